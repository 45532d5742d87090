// Setup for the group-buying CLI tests. Sessions are written straight into a config dir (as `cs login`
// would leave them) so no test pays a CLI spawn just to sign in; `cs login` itself is tested in auth.test.ts.
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { openGroup, payInSandbox, type Market } from '../helpers/fixtures.ts';
import { bearer, registerUser, type Session } from '../helpers/users.ts';
import { cliFor, tempConfigDir } from './run.ts';

/** A `cs` signed in as `session` on `url`. */
export function cliAs(url: string, session: Session) {
  return cliFor(signedInConfig(url, session), url);
}

/** The environment of a shell signed in as `session` on `url`, for `startCli` (commands that wait). */
export function signedInEnv(url: string, session: Session): Record<string, string> {
  return { CS_CONFIG_DIR: signedInConfig(url, session), CS_API_URL: url };
}

function signedInConfig(url: string, session: Session): string {
  const dir = tempConfigDir();
  const config = {
    currentProfile: 'default',
    profiles: { default: { apiUrl: url, accessToken: session.accessToken, refreshToken: session.refreshToken, email: session.user.email } },
  };
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config), { mode: 0o600 });
  return dir;
}

/** Joins `groupId` as `s` for `quantity` units (at the group's first pickup point unless told); pays on the sandbox unless `pay` is false. */
export async function joinAndPay(
  app: FastifyInstance,
  s: Session,
  groupId: string,
  quantity: number,
  { pay = true, pickupPointId }: { pay?: boolean; pickupPointId?: string } = {},
) {
  const payload = pickupPointId ? { quantity, pickupPointId } : { quantity };
  const res = await app.inject({ method: 'POST', url: `/api/groups/${groupId}/join`, headers: bearer(s.accessToken), payload });
  if (res.statusCode !== 201) throw new Error(`join failed: ${res.statusCode} ${res.body}`);
  const contribution = res.json() as { id: string; pickupPointId: string };
  const payment = pay ? (await payInSandbox(app, s, contribution.id)).payment : undefined;
  return { contribution, payment: payment as { id: string; totalAmount: number } | undefined };
}

/** An open group (MOQ 10) that one trader has paid into in full, so it is funded. */
export async function fundedGroup(app: FastifyInstance, m: Market, over: Record<string, unknown> = {}) {
  const group = await openGroup(app, m, { moq: 10, ...over });
  const buyer = await registerUser(app, { name: 'Chipo Ncube' });
  const { contribution, payment } = await joinAndPay(app, buyer, group.id, 10);
  return { group, buyer, contribution, payment: payment! };
}

/** Moves a group along as an admin would, through the API. */
export async function advanceTo(app: FastifyInstance, m: Market, groupId: string, states: string[]) {
  for (const to of states) {
    const res = await app.inject({ method: 'POST', url: `/api/groups/${groupId}/transitions`, headers: bearer(m.admin.accessToken), payload: { to } });
    if (res.statusCode !== 200) throw new Error(`transition to ${to} failed: ${res.statusCode} ${res.body}`);
  }
}
