import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectSphere, type TypedRealtimeEvent } from '../../sdk/src/index.ts';
import { liveServer } from '../helpers/app.ts';
import { market, openGroup, trader } from '../helpers/fixtures.ts';
import { bearer } from '../helpers/users.ts';

// The SDK's realtime client (on Node 20: the `ws` package) against a live server.

let app: FastifyInstance;
let url: string;
beforeAll(async () => {
  ({ app, url } = await liveServer());
});
afterAll(() => app.close());

const waitFor = async (check: () => boolean, ms = 5000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('cs.realtime()', () => {
  it('streams typed group progress, and after the server drops the socket reconnects and replays what it missed', async () => {
    const m = await market(app);
    const g = await openGroup(app, m, { maxQuantity: 40 });
    const a = await trader(app);
    const join = async (token: string, quantity: number) => {
      const res = await app.inject({ method: 'POST', url: `/api/groups/${g.id}/join`, headers: bearer(token), payload: { quantity } });
      expect(res.statusCode).toBe(201);
    };
    await join(a.accessToken, 1);
    const cs = new ConnectSphere({ baseUrl: url, tokens: { get: () => a, set: () => undefined } });
    const rt = cs.realtime({ channels: [`group:${g.id}`], minDelayMs: 300, maxDelayMs: 300 });
    const seen: TypedRealtimeEvent<'group.progress'>[] = [];
    rt.on('group.progress', (e) => seen.push(e));
    await rt.connect();
    await waitFor(() => app.realtime.subscribers(`group:${g.id}`) === 1);
    await join((await trader(app)).accessToken, 2);
    await waitFor(() => seen.length === 1);
    expect(seen[0]!.data.reservedQuantity).toBe(3);

    const states: string[] = [];
    rt.on('state', (s) => states.push(s));
    for (const c of app.websocketServer.clients) c.close(1001, 'test');
    await waitFor(() => app.realtime.subscribers(`group:${g.id}`) === 0);
    // While it is away (it waits 150-300 ms before reconnecting):
    await join((await trader(app)).accessToken, 3);
    await waitFor(() => seen.length === 2);
    expect(seen[1]!.data.reservedQuantity).toBe(6);
    expect(states).toEqual(['reconnecting', 'open']);
    expect(rt.lastEventId).toBe(seen[1]!.id);
    rt.close();
  });
});
