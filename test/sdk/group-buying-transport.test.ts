// The group-buying namespaces' use of the transport, against tiny local servers: which calls carry
// an Idempotency-Key and are retried, binary and SVG bodies, and the onResponse hook.
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, ConnectSphere, ConnectSphereError, MemoryTokenStore, type ResponseInfo } from '@connectsphere/sdk';
import { json, problem, rejection, stubServer } from './stub-server.ts';

type Stub = Awaited<ReturnType<typeof stubServer>>;
let stub: Stub | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

const id = '0b7c8a4e-1d2f-4a3b-9c8d-7e6f5a4b3c2d';
const signedIn = () => new MemoryTokenStore({ accessToken: 'access', refreshToken: 'r'.repeat(43) });
const client = (url: string, options: Partial<ConstructorParameters<typeof ConnectSphere>[0]> = {}) =>
  new ConnectSphere({ baseUrl: url, retryDelayMs: 1, tokens: signedIn(), ...options });

/** Fails the first attempt of every call with 503, then answers 2xx with `{}`. */
const flaky = () =>
  stubServer((hit, n, res) => {
    const first = stubHits(hit.headers['x-request-id']) === 1;
    if (first) json(res, 503, problem(503, 'Unavailable'));
    else json(res, hit.method === 'POST' && hit.url.endsWith('/join') ? 201 : 200, { n });
  });
const seen = new Map<unknown, number>();
const stubHits = (requestId: unknown) => {
  seen.set(requestId, (seen.get(requestId) ?? 0) + 1);
  return seen.get(requestId)!;
};

const moneyCalls: [string, (cs: ConnectSphere, key?: string) => Promise<unknown>, string][] = [
  ['groups.join', (cs, key) => cs.groups.join(id, { quantity: 2 }, { idempotencyKey: key }), `/api/groups/${id}/join`],
  ['payments.initialize', (cs, key) => cs.payments.initialize({ contributionId: id }, { idempotencyKey: key }), '/api/payments/initialize'],
  ['payments.finalize', (cs, key) => cs.payments.finalize({ txRef: 'CS-1234' }, { idempotencyKey: key }), '/api/payments/finalize'],
  ['payments.refund', (cs, key) => cs.payments.refund(id, { reason: 'duplicate' }, { idempotencyKey: key }), `/api/payments/${id}/refund`],
  ['qr.redeem', (cs, key) => cs.qr.redeem(id, undefined, { idempotencyKey: key }), `/api/qr/mark-used/${id}`],
];

describe('Idempotency-Key on money and stock calls', () => {
  it.each(moneyCalls)('%s sends a generated key, the same on its retry, and a new one per call', async (_name, call, path) => {
    stub = await flaky();
    const cs = client(stub.url);
    await call(cs);
    await call(cs);
    expect(stub.hits.map((h) => `${h.method} ${h.url}`)).toEqual(Array(4).fill(`POST ${path}`));
    const keys = stub.hits.map((h) => h.headers['idempotency-key']);
    expect(keys[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(keys[1]).toBe(keys[0]);
    expect(keys[3]).toBe(keys[2]);
    expect(keys[2]).not.toBe(keys[0]);
  });

  it.each(moneyCalls)("%s sends the caller's key instead", async (_name, call) => {
    stub = await flaky();
    await call(client(stub.url), 'order-42-attempt');
    expect(stub.hits.map((h) => h.headers['idempotency-key'])).toEqual(['order-42-attempt', 'order-42-attempt']);
  });

  it('qr.redeem without a body sends {} as JSON', async () => {
    stub = await stubServer((_hit, _n, res) => json(res, 200, {}));
    await client(stub.url).qr.redeem(id);
    expect(stub.hits[0]!.headers['content-type']).toBe('application/json');
    expect(stub.hits[0]!.body).toBe('{}');
  });

  it.each([
    ['groups.create', (cs: ConnectSphere) => cs.groups.create({ productId: id, moq: 10, deadline: '2026-12-15T17:00:00Z', pickupPointIds: [id] })],
    ['groups.transition', (cs: ConnectSphere) => cs.groups.transition(id, { to: 'shipped' })],
    ['contributions.update', (cs: ConnectSphere) => cs.contributions.update(id, { quantity: 3 })],
    ['qr.reissue', (cs: ConnectSphere) => cs.qr.reissue(id)],
  ])('%s sends no key and is not retried after a 503', async (_name, call) => {
    stub = await stubServer((_hit, _n, res) => json(res, 503, problem(503, 'Unavailable')));
    expect(await rejection(call(client(stub.url)))).toMatchObject({ status: 503 });
    expect(stub.hits).toHaveLength(1);
    expect(stub.hits[0]!.headers['idempotency-key']).toBeUndefined();
  });

  it('groups.cancel is a transition to cancelled, with the reason when given', async () => {
    stub = await stubServer((_hit, _n, res) => json(res, 200, {}));
    await client(stub.url).groups.cancel(id, 'supplier out of stock');
    await client(stub.url).groups.cancel(id);
    expect(stub.hits.map((h) => [h.url, JSON.parse(h.body)])).toEqual([
      [`/api/groups/${id}/transitions`, { to: 'cancelled', reason: 'supplier out of stock' }],
      [`/api/groups/${id}/transitions`, { to: 'cancelled' }],
    ]);
  });

  it('refuses an empty idempotencyKey with a rejected promise, sending nothing', async () => {
    stub = await stubServer((_hit, _n, res) => json(res, 201, {}));
    const pending = client(stub.url).groups.join(id, { quantity: 1 }, { idempotencyKey: ' ' });
    expect(await rejection(pending)).toBeInstanceOf(ConnectSphereError);
    expect(stub.hits).toHaveLength(0);
  });
});

describe('binary and text bodies', () => {
  it('returns the exact bytes of an image/png response as a Uint8Array, asking for image/png', async () => {
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe, 0xc3, 0x28, 0x80]);
    stub = await stubServer((_hit, _n, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(bytes));
    const png = await client(stub.url).qr.png(id);
    expect(png).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(png).equals(bytes)).toBe(true);
    expect(stub.hits[0]!.url).toBe(`/api/qr/passes/${id}.png`);
    expect(stub.hits[0]!.headers.accept).toBe('image/png, application/problem+json');
  });

  it('returns an image/svg+xml response as text', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 29 29"><path d="M0 0h7"/></svg>';
    stub = await stubServer((_hit, _n, res) => res.writeHead(200, { 'content-type': 'image/svg+xml; charset=utf-8' }).end(svg));
    await expect(client(stub.url).qr.svg(id)).resolves.toBe(svg);
    expect(stub.hits[0]!.url).toBe(`/api/qr/passes/${id}.svg`);
  });

  it('still throws the problem when an image is not found', async () => {
    stub = await stubServer((_hit, _n, res) => json(res, 404, { ...problem(404, 'Not Found'), detail: 'No such pass' }));
    const err = await rejection(client(stub.url).qr.png(id));
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).problem.detail).toBe('No such pass');
  });

  it('returns other binary types as bytes through cs.request', async () => {
    stub = await stubServer((_hit, _n, res) => res.writeHead(200, { 'content-type': 'application/pdf' }).end(Buffer.from('%PDF-1.7\n\xff')));
    const body = await client(stub.url).request('GET', '/api/anything.pdf');
    expect(body).toBeInstanceOf(Uint8Array);
  });
});

describe('onResponse', () => {
  it('sees every attempt with its status and number, and the replayed header', async () => {
    stub = await stubServer((_hit, n, res) =>
      n === 0 ? json(res, 502, problem(502, 'Bad gateway')) : json(res, 201, { id }, { 'idempotent-replayed': 'true' }),
    );
    const seenResponses: ResponseInfo[] = [];
    await client(stub.url, { onResponse: (r) => seenResponses.push(r) }).groups.join(id, { quantity: 1 });
    expect(seenResponses.map((r) => [r.method, r.path, r.status, r.attempt, r.replayed])).toEqual([
      ['POST', `/api/groups/${id}/join`, 502, 0, false],
      ['POST', `/api/groups/${id}/join`, 201, 1, true],
    ]);
    expect(seenResponses[1]!.requestId).toBe(stub.hits[0]!.headers['x-request-id']);
  });

  it('ignores a hook that throws: the call still returns its result', async () => {
    stub = await stubServer((_hit, _n, res) => json(res, 201, { id }));
    const cs = client(stub.url, {
      onResponse: () => {
        throw new Error('metrics backend down');
      },
    });
    await expect(cs.groups.join(id, { quantity: 1 })).resolves.toEqual({ id });
  });
});
