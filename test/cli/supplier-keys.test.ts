import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveServer } from '../helpers/app.ts';
import { supplierOrganisation, type SupplierOrg } from '../helpers/suppliers.ts';
import { cliFor, tempConfigDir } from './run.ts';

let app: FastifyInstance;
let org: SupplierOrg;
let cs: ReturnType<typeof cliFor>;
let bare: ReturnType<typeof cliFor>;

beforeAll(async () => {
  const server = await liveServer({ LOGIN_MAX_PER_ADDRESS: '1000' });
  app = server.app;
  cs = cliFor(tempConfigDir(), server.url);
  bare = cliFor(tempConfigDir(), server.url);
  org = await supplierOrganisation(app);
  const login = await cs(['login', '--email', org.owner.user.email, '--password-stdin'], { input: 'msasa-grain-2026' });
  expect(login.code, login.stderr).toBe(0);
});
afterAll(() => app.close());

describe('cs supplier keys', { timeout: 120_000 }, () => {
  it('creates, lists and revokes keys; CS_API_KEY makes cs act with a key', async () => {
    const created = await cs(['supplier', 'keys', 'create', '--name', 'shipping script', '--scopes', 'catalog:read,orders:write', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const key = JSON.parse(created.stdout) as { id: string; key: string };
    expect(key.key).toMatch(/^csk_/);

    const list = await cs(['supplier', 'keys', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/shipping script.*catalog:read,orders:write.*never\s+active/);
    expect(list.stdout).not.toContain(key.key);

    // A shell with no session at all, only the key.
    const viaKey = await bare(['supplier', 'org', '--json'], { env: { CS_API_KEY: key.key } });
    expect(viaKey.code, viaKey.stderr).toBe(0);
    expect(JSON.parse(viaKey.stdout).id).toBe(org.id);

    const bad = await cs(['supplier', 'keys', 'create', '--name', 'x', '--scopes', 'everything']);
    expect(bad.code).toBe(2);

    const revoke = await cs(['supplier', 'keys', 'revoke', key.id.slice(0, 8)]);
    expect(revoke.code, revoke.stderr).toBe(0);
    expect(revoke.stdout).toContain('Revoked shipping script');
    const after = await bare(['supplier', 'org'], { env: { CS_API_KEY: key.key } });
    expect(after.code).toBe(3);
    expect(after.stderr).toContain('CS_API_KEY is unknown or revoked');
  });
});
