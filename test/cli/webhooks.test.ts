// cs webhooks as a subprocess against a live API: an owner registers an endpoint, sees its
// deliveries, rotates, replays and removes; `listen` forwards the organisation's events to a local
// server signed as deliveries are.
import { constructEvent } from '@connectsphere/sdk';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverWebhooks } from '../../api/modules/webhooks/delivery.ts';
import { liveServer } from '../helpers/app.ts';
import { webhookReceiver } from '../helpers/receiver.ts';
import { supplierOrganisation, type SupplierOrg } from '../helpers/suppliers.ts';
import { bearer } from '../helpers/users.ts';
import { cliAs, signedInEnv } from './market.ts';
import { startCli } from './run.ts';

let app: FastifyInstance;
let url: string;
let org: SupplierOrg;
let receiver: Awaited<ReturnType<typeof webhookReceiver>>;
let n = 0;

beforeAll(async () => {
  ({ app, url } = await liveServer());
  org = await supplierOrganisation(app);
  receiver = await webhookReceiver();
});
afterAll(async () => {
  await receiver.close();
  await app.close();
});

async function newProduct() {
  n += 1;
  const res = await app.inject({
    method: 'POST',
    url: '/api/supplier/products',
    headers: bearer(org.owner.accessToken),
    payload: { sku: `CLI-HOOK-${n}`, name: 'Sugar 2 kg', description: 'White sugar', category: 'sugar', unit: '2 kg bag', unitPrice: 300, stock: 50 },
  });
  expect(res.statusCode, res.body).toBe(201);
}

describe('cs webhooks', { timeout: 120_000 }, () => {
  it('adds an endpoint (secret once), lists it and its deliveries, rotates, replays and removes it', async () => {
    const cs = cliAs(url, org.owner);
    const added = await cs(['webhooks', 'add', receiver.url, '--events', 'product.*,webhook.test', '--description', 'stock sync']);
    expect(added.code, added.stderr).toBe(0);
    const secret = /Signing secret \(shown only now\): (whsec_\S+)/.exec(added.stderr)![1]!;
    const id = /ID\s+([0-9a-f-]{36})/.exec(added.stdout)![1]!;
    const list = await cs(['webhooks', 'list']);
    expect(list.stdout).toMatch(/ID\s+URL\s+EVENTS\s+ENABLED/);
    expect(list.stdout).toContain(id.slice(0, 8));
    expect(list.stdout).toContain('product.*,webhook.test');
    expect(list.stdout).not.toContain(secret);

    await newProduct();
    await deliverWebhooks(app.ctx);
    const got = receiver.received.at(-1)!;
    expect(constructEvent(got.body, got.headers['connectsphere-signature'] as string, secret).type).toBe('product.created');
    const deliveries = await cs(['webhooks', 'deliveries', id.slice(0, 8), '--json']);
    expect(deliveries.code, deliveries.stderr).toBe(0);
    const [delivery] = JSON.parse(deliveries.stdout).items;
    expect(delivery).toMatchObject({ eventType: 'product.created', status: 'succeeded', attempts: 1, lastStatusCode: 200 });
    const table = await cs(['webhooks', 'deliveries', id.slice(0, 8)]);
    expect(table.stdout).toMatch(/product\.created\s+succeeded\s+1\s+200/);

    const rotated = await cs(['webhooks', 'rotate', id.slice(0, 8)]);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toContain('The previous secret signs too until');
    const replay = await cs(['webhooks', 'replay', delivery.id]);
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stdout).toContain('a replay of');
    expect((await cs(['webhooks', 'test', id.slice(0, 8)])).code).toBe(0);
    await deliverWebhooks(app.ctx);
    expect(receiver.received.map((r) => JSON.parse(r.body).type).slice(-2).sort()).toEqual(['product.created', 'webhook.test']);

    const removed = await cs(['webhooks', 'remove', id.slice(0, 8)]);
    expect(removed.code, removed.stderr).toBe(0);
    expect((await cs(['webhooks', 'list'])).stderr).toContain('No webhook endpoints yet');
    const badUrl = await cs(['webhooks', 'add', 'ftp://nowhere']);
    expect(badUrl.code).toBe(1);
    expect(badUrl.stderr).toContain('body.url');
  });

  it('listen forwards the organisation’s events to a local server, signed with the session’s secret', async () => {
    receiver.received.length = 0;
    const listener = startCli(['webhooks', 'listen', '--forward-to', receiver.url, '--events', 'product.created'], { env: signedInEnv(url, org.owner) });
    let secret: string | undefined;
    for (let i = 0; i < 300 && !secret; i++) {
      secret = /Signing secret for this session: (whsec_\S+)/.exec(listener.stderr())?.[1];
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(listener.stderr()).toContain('Ready. Forwarding');
    await newProduct();
    const [line] = await listener.output(/product\.created\s+evt_\d+\s+\[200\]/);
    expect(line).toBeDefined();
    const got = receiver.received.at(-1)!;
    const event = constructEvent(got.body, got.headers['connectsphere-signature'] as string, secret!);
    expect(event).toMatchObject({ type: 'product.created', organisationId: org.id, object: 'event' });
    listener.child.kill('SIGINT');
    expect((await listener.done).code).toBe(0);
  });
});
