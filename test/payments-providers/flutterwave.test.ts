// The Flutterwave adapter against mocked Flutterwave: the checkout request goes through undici (mocked
// with undici's MockAgent, which nock cannot see), verify and refund through flutterwave-node-v3 1.3.2,
// which uses the global fetch (mocked with nock). Bodies are shaped like Flutterwave's documented ones.

import nock from 'nock';
import { MockAgent, type Dispatcher } from 'undici';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFlutterwaveProvider } from '../../api/modules/payments/providers/flutterwave.ts';
import { ProviderError, type InitializeInput } from '../../api/modules/payments/providers/types.ts';

const FLW = 'https://api.flutterwave.com';
const SECRET = 'FLWSECK_TEST-0123456789abcdef0123456789abcdef-X';
const config = { publicKey: 'FLWPUBK_TEST-0123456789abcdef0123456789abcdef-X', secretKey: SECRET, baseUrl: FLW };

let agent: MockAgent;
beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
});
afterEach(async () => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  agent.assertNoPendingInterceptors();
  await agent.close();
  expect(pending).toEqual([]);
});

const provider = (timeoutMs?: number) =>
  createFlutterwaveProvider(config, { dispatcher: agent, ...(timeoutMs ? { timeoutMs } : {}) });
const flw = () => nock(FLW, { reqheaders: { authorization: `Bearer ${SECRET}` } });

const input = (overrides: Partial<InitializeInput> = {}): InitializeInput => ({
  txRef: 'cs-7f3a9c1e-2b4d-4e8f-9a6b-1c2d3e4f5a6b',
  amount: 4620,
  currency: 'USD',
  redirectUrl: 'http://127.0.0.1:3000/api/payments/return',
  paymentOptions: 'mobilemoneyzimbabwe',
  customer: { email: 'tendai@example.co.zw', name: 'Tendai Moyo', phone: '+263772123456' },
  title: 'Mbare cooking oil group',
  meta: { contributionId: '0b7c8a4e-1d2f-4a3b-9c8d-7e6f5a4b3c2d' },
  ...overrides,
});

/** A verify answer as Flutterwave documents it (trimmed of card details). */
const verified = (data: Record<string, unknown> = {}) => ({
  status: 'success',
  message: 'Transaction fetched successfully',
  data: {
    id: 4975363,
    tx_ref: 'cs-7f3a9c1e-2b4d-4e8f-9a6b-1c2d3e4f5a6b',
    flw_ref: 'FLW-MOCK-a4c1d3b8e7f6',
    device_fingerprint: 'N/A',
    amount: 46.2,
    currency: 'USD',
    charged_amount: 46.2,
    app_fee: 0.65,
    merchant_fee: 0,
    processor_response: 'Approved. Successful',
    auth_model: 'NOAUTH',
    narration: 'ConnectSphere',
    status: 'successful',
    payment_type: 'mobilemoneyzw',
    created_at: '2026-03-19T09:34:27.000Z',
    account_id: 2434,
    amount_settled: 45.55,
    customer: { id: 2376, name: 'Tendai Moyo', phone_number: '+263772123456', email: 'tendai@example.co.zw', created_at: '2026-03-19T09:34:27.000Z' },
    ...data,
  },
});

const notFound = { status: 'error', message: 'No transaction was found for this id', data: null };

/** Intercepts one POST /v3/payments and records what was sent. */
function interceptCheckout(reply: { statusCode: number; data: object | string }) {
  const seen: { body?: unknown; headers?: Record<string, string> } = {};
  agent
    .get(FLW)
    .intercept({ path: '/v3/payments', method: 'POST' })
    .reply((opts) => {
      seen.body = JSON.parse(String(opts.body));
      seen.headers = Object.fromEntries(
        Object.entries((opts.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]),
      );
      return reply;
    });
  return seen;
}

describe('constructing the provider', () => {
  it('opens no connection and sends nothing', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const unmatched: unknown[] = [];
    const onNoMatch = (req: unknown) => unmatched.push(req);
    nock.emitter.on('no match', onNoMatch);
    const dispatched: unknown[] = [];
    const spy: Dispatcher = Object.assign(Object.create(agent) as Dispatcher, {
      dispatch: (opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler) => {
        dispatched.push(opts);
        return agent.dispatch(opts, handler);
      },
    });
    try {
      createFlutterwaveProvider(config, { dispatcher: spy });
      createFlutterwaveProvider({ ...config, baseUrl: `${FLW}/` });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(fetchSpy).not.toHaveBeenCalled();
      expect(dispatched).toEqual([]);
      expect(unmatched).toEqual([]);
    } finally {
      nock.emitter.off('no match', onNoMatch);
      fetchSpy.mockRestore();
    }
  });
});

describe('initialize (hosted checkout)', () => {
  it('posts the checkout in major units with the Bearer secret key and returns the link', async () => {
    const seen = interceptCheckout({
      statusCode: 200,
      data: { status: 'success', message: 'Hosted Link', data: { link: 'https://checkout.flutterwave.com/v3/hosted/pay/f524c1196ffda5556341' } },
    });
    const result = await provider().initialize(input());
    expect(result).toEqual({ checkoutUrl: 'https://checkout.flutterwave.com/v3/hosted/pay/f524c1196ffda5556341' });
    expect(seen.headers?.authorization).toBe(`Bearer ${SECRET}`);
    expect(seen.headers?.['content-type']).toBe('application/json');
    expect(seen.body).toEqual({
      tx_ref: 'cs-7f3a9c1e-2b4d-4e8f-9a6b-1c2d3e4f5a6b',
      amount: 46.2,
      currency: 'USD',
      redirect_url: 'http://127.0.0.1:3000/api/payments/return',
      payment_options: 'mobilemoneyzimbabwe',
      customer: { email: 'tendai@example.co.zw', name: 'Tendai Moyo', phonenumber: '+263772123456' },
      customizations: { title: 'Mbare cooking oil group' },
      meta: { contributionId: '0b7c8a4e-1d2f-4a3b-9c8d-7e6f5a4b3c2d' },
    });
  });

  it('sends ZWG amounts in major units too', async () => {
    const seen = interceptCheckout({ statusCode: 200, data: { status: 'success', message: 'Hosted Link', data: { link: 'https://checkout.flutterwave.com/v3/hosted/pay/zwg' } } });
    await provider().initialize(input({ amount: 123816, currency: 'ZWG', paymentOptions: 'card' }));
    expect(seen.body).toMatchObject({ amount: 1238.16, currency: 'ZWG', payment_options: 'card' });
  });

  it('works with a base URL that ends with a slash', async () => {
    interceptCheckout({ statusCode: 200, data: { status: 'success', message: 'Hosted Link', data: { link: 'https://checkout.flutterwave.com/x' } } });
    const p = createFlutterwaveProvider({ ...config, baseUrl: `${FLW}/` }, { dispatcher: agent });
    await expect(p.initialize(input())).resolves.toEqual({ checkoutUrl: 'https://checkout.flutterwave.com/x' });
  });

  it("turns Flutterwave's refusal into a ProviderError carrying its message", async () => {
    interceptCheckout({ statusCode: 400, data: { status: 'error', message: 'Invalid currency provided', data: null } });
    const err = await provider().initialize(input()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).message).toMatch(/Invalid currency provided/);
  });

  it('treats a success without a link, or a body that is not JSON, as a ProviderError', async () => {
    interceptCheckout({ statusCode: 200, data: { status: 'success', message: 'Hosted Link', data: {} } });
    await expect(provider().initialize(input())).rejects.toBeInstanceOf(ProviderError);
    interceptCheckout({ statusCode: 502, data: '<html>Bad gateway</html>' });
    await expect(provider().initialize(input())).rejects.toThrow(/HTTP 502/);
  });

  it('turns a network failure or a timeout into a ProviderError', async () => {
    agent.get(FLW).intercept({ path: '/v3/payments', method: 'POST' }).replyWithError(new Error('socket hang up'));
    await expect(provider().initialize(input())).rejects.toThrow(ProviderError);

    agent
      .get(FLW)
      .intercept({ path: '/v3/payments', method: 'POST' })
      .reply(200, { status: 'success', data: { link: 'https://late' } })
      .delay(1_000);
    await expect(provider(100).initialize(input())).rejects.toThrow(/did not answer within 100 ms/);
  });

  it('refuses an amount that is not a positive integer of minor units without calling Flutterwave', async () => {
    await expect(provider().initialize(input({ amount: 46.2 }))).rejects.toBeInstanceOf(ProviderError);
    await expect(provider().initialize(input({ amount: 0 }))).rejects.toBeInstanceOf(ProviderError);
  });
});

describe('verify', () => {
  it('verifies by transaction id and maps to minor units', async () => {
    flw().get('/v3/transactions/4975363/verify').reply(200, verified());
    const tx = await provider().verify({ transactionId: '4975363', txRef: 'ignored-when-id-known' });
    expect(tx).toEqual({
      id: '4975363',
      txRef: 'cs-7f3a9c1e-2b4d-4e8f-9a6b-1c2d3e4f5a6b',
      status: 'successful',
      amount: 4620,
      currency: 'USD',
    });
  });

  it('verifies by tx_ref (verify_by_reference) when no id is known, ZWG rounded to the cent', async () => {
    flw()
      .get('/v3/transactions/verify_by_reference')
      .query({ tx_ref: 'cs-zwg-1' })
      .reply(200, verified({ id: 4975364, tx_ref: 'cs-zwg-1', amount: 1238.16, currency: 'ZWG', status: 'pending' }));
    const tx = await provider().verify({ txRef: 'cs-zwg-1' });
    expect(tx).toEqual({ id: '4975364', txRef: 'cs-zwg-1', status: 'pending', amount: 123816, currency: 'ZWG' });
  });

  it('encodes a tx_ref with reserved characters', async () => {
    flw().get('/v3/transactions/verify_by_reference').query({ tx_ref: 'a&b c' }).reply(200, verified({ tx_ref: 'a&b c' }));
    expect(await provider().verify({ txRef: 'a&b c' })).toMatchObject({ txRef: 'a&b c' });
  });

  it('rounds amounts to the nearest cent (0.29 is 28.999… in floating point)', async () => {
    flw().get('/v3/transactions/1/verify').reply(200, verified({ id: 1, amount: 0.29 }));
    expect((await provider().verify({ transactionId: '1', txRef: 'x' }))?.amount).toBe(29);
  });

  it.each([
    ['failed', 'failed'],
    ['cancelled', 'cancelled'],
    ['pending', 'pending'],
    ['something-new', 'pending'],
  ] as const)('maps status %s to %s', async (theirs, ours) => {
    flw().get('/v3/transactions/4975363/verify').reply(200, verified({ status: theirs }));
    expect((await provider().verify({ transactionId: '4975363', txRef: 'x' }))?.status).toBe(ours);
  });

  it('answers null for a transaction Flutterwave does not know, by id or by tx_ref', async () => {
    flw().get('/v3/transactions/999/verify').reply(400, notFound);
    expect(await provider().verify({ transactionId: '999', txRef: 'x' })).toBeNull();
    flw().get('/v3/transactions/verify_by_reference').query({ tx_ref: 'nope' }).reply(400, notFound);
    expect(await provider().verify({ txRef: 'nope' })).toBeNull();
  });

  it('falls back to tx_ref when the transaction id is not numeric', async () => {
    flw().get('/v3/transactions/verify_by_reference').query({ tx_ref: 'cs-1' }).reply(200, verified({ tx_ref: 'cs-1' }));
    expect(await provider().verify({ transactionId: 'not-a-number', txRef: 'cs-1' })).toMatchObject({ txRef: 'cs-1' });
  });

  it('turns other failures into ProviderError', async () => {
    flw().get('/v3/transactions/1/verify').reply(401, { status: 'error', message: 'Invalid authorization key', data: null });
    await expect(provider().verify({ transactionId: '1', txRef: 'x' })).rejects.toThrow(/Invalid authorization key/);

    flw().get('/v3/transactions/2/verify').reply(200, verified({ amount: '46.20' }));
    await expect(provider().verify({ transactionId: '2', txRef: 'x' })).rejects.toBeInstanceOf(ProviderError);

    flw().get('/v3/transactions/3/verify').replyWithError({ code: 'ECONNRESET', message: 'socket hang up' });
    await expect(provider().verify({ transactionId: '3', txRef: 'x' })).rejects.toBeInstanceOf(ProviderError);

    flw().get('/v3/transactions/4/verify').reply(502, '<html>Bad gateway</html>', { 'content-type': 'text/html' });
    await expect(provider().verify({ transactionId: '4', txRef: 'x' })).rejects.toBeInstanceOf(ProviderError);
  });

  it('gives up after the timeout', async () => {
    flw().get('/v3/transactions/5/verify').delay(1_000).reply(200, verified());
    await expect(provider(100).verify({ transactionId: '5', txRef: 'x' })).rejects.toThrow(/did not answer within 100 ms/);
  });
});

describe('refund', () => {
  const refunded = (data: Record<string, unknown> = {}) => ({
    status: 'success',
    message: 'Transaction refund initiated',
    data: {
      id: 75923,
      account_id: 73362,
      tx_id: 4975363,
      flw_ref: 'URF_1577867664541_3572735',
      wallet_id: 74639,
      amount_refunded: 46.2,
      status: 'completed',
      destination: 'payment_source',
      meta: { source: 'availablebalance' },
      created_at: '2026-03-20T09:18:37.000Z',
      ...data,
    },
  });

  it('posts the amount in major units and maps completed to succeeded', async () => {
    let sent: unknown;
    flw()
      .post('/v3/transactions/4975363/refund', (body: unknown) => {
        sent = body;
        return true;
      })
      .reply(200, refunded());
    expect(await provider().refund('4975363', 4620, 'USD')).toEqual({ refundId: '75923', status: 'succeeded' });
    expect(sent).toMatchObject({ amount: 46.2 });
  });

  it('sends ZWG refunds in major units and maps pending', async () => {
    let sent: unknown;
    flw()
      .post('/v3/transactions/4975364/refund', (body: unknown) => {
        sent = body;
        return true;
      })
      .reply(200, refunded({ id: 75924, status: 'pending', amount_refunded: 1238.16 }));
    expect(await provider().refund('4975364', 123816, 'ZWG')).toEqual({ refundId: '75924', status: 'pending' });
    expect(sent).toMatchObject({ amount: 1238.16 });
  });

  it("turns Flutterwave's refusal into a ProviderError", async () => {
    flw()
      .post('/v3/transactions/4975363/refund')
      .reply(400, { status: 'error', message: 'Refund amount cannot be greater than transaction amount', data: null });
    await expect(provider().refund('4975363', 999_999, 'USD')).rejects.toThrow(/cannot be greater/);
  });

  it('refuses a bad amount or id without calling Flutterwave', async () => {
    await expect(provider().refund('4975363', 0, 'USD')).rejects.toBeInstanceOf(ProviderError);
    await expect(provider().refund('abc', 100, 'USD')).rejects.toBeInstanceOf(ProviderError);
  });
});
