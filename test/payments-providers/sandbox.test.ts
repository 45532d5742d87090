// The embedded sandbox provider on the real test database.

import { eq } from 'drizzle-orm';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../api/db/client.ts';
import { sandboxTransactions } from '../../api/db/schema.ts';
import { HttpProblem } from '../../api/errors.ts';
import {
  completeSandboxCheckout,
  createSandboxProvider,
  findSandboxTransaction,
  renderCheckoutPage,
} from '../../api/modules/payments/providers/sandbox.ts';
import { ProviderError, type InitializeInput, type PaymentProvider } from '../../api/modules/payments/providers/types.ts';
import { parseFlutterwaveWebhook, verifyWebhookSignature } from '../../api/modules/payments/providers/webhook.ts';
import { resetDatabase, testDatabase } from '../helpers/db.ts';

const PUBLIC_URL = 'http://127.0.0.1:3000';
const SECRET = 'sandbox-secret-hash-1234';

let database: Database;
let sandbox: PaymentProvider;
beforeAll(async () => {
  database = await testDatabase();
});
beforeEach(async () => {
  await resetDatabase(database);
  sandbox = createSandboxProvider(database.db, `${PUBLIC_URL}/`);
});

let counter = 0;
const input = (overrides: Partial<InitializeInput> = {}): InitializeInput => {
  counter += 1;
  return {
    txRef: `cs-test-${counter}`,
    amount: 4620,
    currency: 'USD',
    redirectUrl: 'https://trader.example/paid?lang=sn',
    paymentOptions: 'mobilemoneyzimbabwe',
    customer: { email: 'tendai@example.co.zw', name: 'Tendai Moyo', phone: '+263772123456' },
    title: 'Mbare cooking oil group',
    meta: {},
    ...overrides,
  };
};

const rejection = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);

describe('sandbox provider', () => {
  it('runs initialize → pending → pay → successful → refund, and refuses a second refund', async () => {
    const { txRef } = input();
    const { checkoutUrl } = await sandbox.initialize(input({ txRef }));
    expect(checkoutUrl).toBe(`${PUBLIC_URL}/api/payments/sandbox/checkout/${txRef}`);

    const pending = await sandbox.verify({ txRef });
    expect(pending).toMatchObject({ txRef, status: 'pending', amount: 4620, currency: 'USD' });
    expect(Number(pending?.id)).toBeGreaterThanOrEqual(4_000_000);

    const { webhook, redirectTo } = await completeSandboxCheckout(database.db, txRef, 'pay', SECRET);
    expect(webhook.headers['verif-hash']).toBe(SECRET);
    expect(webhook.body).toEqual({
      event: 'charge.completed',
      data: {
        id: Number(pending?.id),
        tx_ref: txRef,
        flw_ref: `FLW-SANDBOX-${pending?.id}`,
        amount: 46.2,
        currency: 'USD',
        charged_amount: 46.2,
        app_fee: 0.65,
        status: 'successful',
        payment_type: 'card',
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        customer: { email: 'tendai@example.co.zw' },
      },
    });
    const redirect = new URL(redirectTo);
    expect(redirect.origin + redirect.pathname).toBe('https://trader.example/paid');
    expect(Object.fromEntries(redirect.searchParams)).toEqual({
      lang: 'sn',
      status: 'successful',
      tx_ref: txRef,
      transaction_id: pending?.id,
    });

    const paid = await sandbox.verify({ transactionId: pending?.id, txRef });
    expect(paid).toEqual({ id: pending?.id, txRef, status: 'successful', amount: 4620, currency: 'USD' });

    const refund = await sandbox.refund(pending!.id, 4620, 'USD');
    expect(refund.status).toBe('succeeded');
    expect(refund.refundId).toMatch(/^sandbox-refund-/);
    const again = await rejection(sandbox.refund(pending!.id, 4620, 'USD'));
    expect(again).toBeInstanceOf(ProviderError);
    expect((again as Error).message).toMatch(/USD 0\.00 of USD 46\.20 is left/);
    const [row] = await database.db.select().from(sandboxTransactions).where(eq(sandboxTransactions.txRef, txRef));
    expect(row?.refundedAmount).toBe(4620);
  });

  it('allows partial refunds up to what was paid, in the same currency, never twice at once', async () => {
    const { txRef } = input();
    await sandbox.initialize(input({ txRef, amount: 123816, currency: 'ZWG' }));
    const { webhook } = await completeSandboxCheckout(database.db, txRef, 'pay', SECRET);
    expect(webhook.body.data).toMatchObject({ amount: 1238.16, currency: 'ZWG' });
    const id = String(webhook.body.data.id);

    await expect(sandbox.refund(id, 100, 'USD')).rejects.toThrow(/ZWG, not USD/);
    await expect(sandbox.refund(id, 100_000, 'ZWG')).resolves.toMatchObject({ status: 'succeeded' });
    await expect(sandbox.refund(id, 23_817, 'ZWG')).rejects.toBeInstanceOf(ProviderError);
    const both = await Promise.allSettled([sandbox.refund(id, 23_816, 'ZWG'), sandbox.refund(id, 23_816, 'ZWG')]);
    expect(both.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    await expect(sandbox.refund('4999999', 1, 'ZWG')).rejects.toThrow(/No transaction was found/);
  });

  it('fails a checkout: failed status, failed webhook, redirect with status=failed, no refund', async () => {
    const { txRef } = input();
    await sandbox.initialize(input({ txRef }));
    const { webhook, redirectTo } = await completeSandboxCheckout(database.db, txRef, 'fail', SECRET);
    expect(webhook.body.data.status).toBe('failed');
    expect(new URL(redirectTo).searchParams.get('status')).toBe('failed');
    const tx = await sandbox.verify({ txRef });
    expect(tx?.status).toBe('failed');
    await expect(sandbox.refund(tx!.id, 100, 'USD')).rejects.toThrow(/failed/);
  });

  it('refuses to complete a checkout twice (409 with the current state) or an unknown one (404)', async () => {
    const { txRef } = input();
    await sandbox.initialize(input({ txRef }));
    await completeSandboxCheckout(database.db, txRef, 'pay', SECRET);
    for (const action of ['pay', 'fail'] as const) {
      const err = await rejection(completeSandboxCheckout(database.db, txRef, action, SECRET));
      expect(err).toBeInstanceOf(HttpProblem);
      expect((err as HttpProblem).status).toBe(409);
      expect((err as HttpProblem).extensions).toEqual({ currentState: 'successful' });
    }
    expect((await sandbox.verify({ txRef }))?.status).toBe('successful');

    const unknown = await rejection(completeSandboxCheckout(database.db, 'cs-nope', 'pay', SECRET));
    expect((unknown as HttpProblem).status).toBe(404);
  });

  it('lets only one of two simultaneous submissions settle the checkout', async () => {
    const { txRef } = input();
    await sandbox.initialize(input({ txRef }));
    const results = await Promise.allSettled([
      completeSandboxCheckout(database.db, txRef, 'pay', SECRET),
      completeSandboxCheckout(database.db, txRef, 'fail', SECRET),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
  });

  it('sends a webhook that our own signature check and parser accept, in minor units', async () => {
    const { txRef } = input();
    await sandbox.initialize(input({ txRef, amount: 123816, currency: 'ZWG' }));
    const { webhook } = await completeSandboxCheckout(database.db, txRef, 'pay', SECRET);
    expect(verifyWebhookSignature(webhook.headers['verif-hash'], SECRET)).toBe(true);
    const event = parseFlutterwaveWebhook(JSON.parse(JSON.stringify(webhook.body)));
    expect(event).toMatchObject({ txRef, status: 'successful', amount: 123816, currency: 'ZWG' });
    expect(await sandbox.verify({ transactionId: event.transactionId, txRef })).toMatchObject({ amount: event.amount });
  });

  it('answers null for transactions it does not know', async () => {
    expect(await sandbox.verify({ txRef: 'cs-unknown' })).toBeNull();
    expect(await sandbox.verify({ transactionId: '4999999', txRef: 'cs-unknown' })).toBeNull();
  });

  it('returns the same checkout for the same tx_ref, and refuses a tx_ref reused for another charge', async () => {
    const first = input();
    const a = await sandbox.initialize(first);
    const b = await sandbox.initialize(first);
    expect(b).toEqual(a);
    await expect(sandbox.initialize({ ...first, amount: 9999 })).rejects.toBeInstanceOf(ProviderError);
    await expect(sandbox.initialize(input({ amount: 0 }))).rejects.toBeInstanceOf(ProviderError);
  });

  it('URL-encodes the tx_ref in the checkout URL', async () => {
    const { checkoutUrl } = await sandbox.initialize(input({ txRef: 'cs a/b?c' }));
    expect(checkoutUrl).toBe(`${PUBLIC_URL}/api/payments/sandbox/checkout/cs%20a%2Fb%3Fc`);
  });

  it('redirects to our return page when the checkout has no redirect URL', async () => {
    const { txRef } = input();
    await sandbox.initialize(input({ txRef, redirectUrl: '' }));
    const { redirectTo } = await completeSandboxCheckout(database.db, txRef, 'pay', SECRET);
    expect(redirectTo).toMatch(/^\/api\/payments\/return\?status=successful&tx_ref=cs-test-\d+&transaction_id=\d+$/);
  });
});

describe('sandbox checkout page', () => {
  it('shows the amount and reference, not the customer’s email, with a Pay form and a Fail form', async () => {
    const { txRef } = input();
    await sandbox.initialize(input({ txRef, amount: 123816, currency: 'ZWG' }));
    const row = await findSandboxTransaction(database.db, txRef);
    const html = renderCheckoutPage(row!);
    expect(html).toContain('ZWG 1,238.16');
    expect(html).toContain(txRef);
    expect(html).not.toContain('tendai@example.co.zw');
    const forms = html.match(/<form method="post">.*?<\/form>/g) ?? [];
    expect(forms).toHaveLength(2);
    expect(forms[0]).toContain('<input type="hidden" name="action" value="pay">');
    expect(forms[1]).toContain('<input type="hidden" name="action" value="fail">');
    // Self-contained: no scripts, no external assets.
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\//i);
  });

  it('escapes everything it interpolates', () => {
    const html = renderCheckoutPage(
      { txRef: '"><script>alert(1)</script>', amount: 4620, currency: 'USD', status: 'pending' },
      { item: "o'neil<img src=x onerror=alert(2)> sugar", unit: '<b>bag</b>', quantity: 2, goods: 4400, fee: 220, total: 4620, currency: 'USD' },
    );
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain('&#34;&#62;&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(html).toContain('o&#39;neil&#60;img');
  });

  it('offers no buttons once the checkout is settled', () => {
    const html = renderCheckoutPage({ txRef: 'cs-1', amount: 1, currency: 'USD', status: 'successful' });
    expect(html).not.toContain('<form');
    expect(html).toContain('already <strong>successful</strong>');
  });
});
