// cs.contributions.rate through the SDK against a real server, after the pass was redeemed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ApiError, ConnectSphere, MemoryTokenStore } from '@connectsphere/sdk';
import { signAccessToken } from '../../api/modules/auth/tokens.ts';
import { issuePassesForGroup } from '../../api/modules/qr/service.ts';
import { liveServer } from '../helpers/app.ts';
import { buildWorld } from '../qr/fixtures.ts';
import { rejection } from './stub-server.ts';

let app: FastifyInstance;
let url: string;
beforeAll(async () => {
  ({ app, url } = await liveServer());
});
afterAll(() => app.close());

const clientFor = async (u: { id: string; role: string }) =>
  new ConnectSphere({ baseUrl: url, tokens: new MemoryTokenStore({ accessToken: await signAccessToken(app.ctx.keys, app.ctx.config, { sub: u.id, role: u.role }), refreshToken: 'unused' }) });

describe('cs.contributions.rate', () => {
  it('rates a collected contribution once; the product shows the average', async () => {
    const w = await buildWorld(app.ctx);
    await app.ctx.db.transaction((tx) => issuePassesForGroup(tx, app.ctx, w.group.id));
    const trader = await clientFor(w.traders.tendai);
    const staff = await clientFor(w.staff);

    expect(((await rejection(trader.contributions.rate(w.contributions.tendai.id, { score: 5 }))) as ApiError).status).toBe(409);
    const [pass] = (await trader.qr.passes()).items;
    await staff.qr.redeem(pass!.id, { pickupPointId: w.points.mbare.id });

    const rating = await trader.contributions.rate(w.contributions.tendai.id, { score: 3, comment: 'Two bags torn' });
    expect(rating).toMatchObject({ score: 3, comment: 'Two bags torn', productId: w.product.id });
    expect(await trader.products.get(w.product.id)).toMatchObject({ ratingAverage: 3, ratingCount: 1 });
    expect(((await rejection(trader.contributions.rate(w.contributions.tendai.id, { score: 5 }))) as ApiError).status).toBe(409);
  });
});
