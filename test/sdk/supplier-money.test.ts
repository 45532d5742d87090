// Invoices, payouts and the supplier's figures through the faces a supplier uses: the SDK with an
// API key against a live server, and the CLI as a subprocess with CS_API_KEY and with a session.
// The order goes the real way: funded group, accepted, shipped, delivered, checked, paid out.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiError, ConnectSphere, MemoryTokenStore } from '@connectsphere/sdk';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transferProviderFor } from '../../api/modules/payouts/provider.ts';
import { cliAs } from '../cli/market.ts';
import { cliFor, tempConfigDir } from '../cli/run.ts';
import { liveServer } from '../helpers/app.ts';
import { fundedOrderGroup, orderMarket, type OrderMarket } from '../helpers/orders.ts';
import { supplierOrganisation } from '../helpers/suppliers.ts';
import { bearer, type Session } from '../helpers/users.ts';

let app: FastifyInstance;
let url: string;
let m: OrderMarket;
let key: string;
const hasPdftotext = (() => {
  try {
    execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const sdkAs = (s: Session) => new ConnectSphere({ baseUrl: url, tokens: new MemoryTokenStore({ accessToken: s.accessToken, refreshToken: s.refreshToken }) });

beforeAll(async () => {
  ({ app, url } = await liveServer());
  m = await orderMarket(app);
  const owner = sdkAs(m.org.owner);
  key = (await owner.supplier.keys.create({ name: 'books', scopes: ['orders:read', 'orders:write', 'invoices:read'] })).key;
  const script = new ConnectSphere({ baseUrl: url, apiKey: key });
  const { group } = await fundedOrderGroup(app, m);
  const order = (await script.supplier.orders.list({ status: 'pending' })).items.find((o) => o.group.id === group.id)!;
  await script.supplier.orders.accept(order.id);
  await script.supplier.orders.ship(order.id, { carrier: 'Swift Transport', trackingNumber: 'SWT-77', eta: new Date(Date.now() + 86_400_000).toISOString() });
  await script.supplier.orders.deliver(order.id);
  await sdkAs(m.admin).admin.orders.qualityCheck(order.id, { outcome: 'accept' });
  // The payout was decided with the check; the send-payouts job sends it. The sandbox, as
  // Flutterwave, answers "pending" and completes the transfer by webhook right after: wait for it,
  // or the invoice may turn paid between two reads of the test.
  const sent = await app.inject({ method: 'POST', url: '/api/admin/jobs/send-payouts/run', headers: bearer(m.admin.accessToken) });
  expect(sent.statusCode, sent.body).toBe(200);
  await (transferProviderFor(app.ctx) as { idle(): Promise<void> }).idle();
}, 120_000);
afterAll(() => app.close());

describe('cs.supplier.invoices, payouts and analytics (SDK with an API key)', () => {
  it('lists and reads the invoice of the accepted order, with its PDF, and the payout of the checked one', async () => {
    const script = new ConnectSphere({ baseUrl: url, apiKey: key });
    const invoices = await script.supplier.invoices.list();
    expect(invoices.items).toHaveLength(1);
    const invoice = invoices.items[0]!;
    // 10 units at 13.00: 130.00, VAT 15.5 % on top.
    expect(invoice).toMatchObject({ subtotal: 13000, vatAmount: 2015, total: 15015, vatRate: '15.5', status: 'paid' });
    expect(await script.supplier.invoices.get(invoice.id)).toEqual(invoice);
    const all = [];
    for await (const i of script.supplier.invoices.iterate({ limit: 1 })) all.push(i.id);
    expect(all).toEqual([invoice.id]);
    const pdf = await script.supplier.invoices.pdf(invoice.id);
    expect(Buffer.from(pdf).subarray(0, 5).toString()).toBe('%PDF-');

    const payouts = await script.supplier.payouts.list();
    expect(payouts.items).toHaveLength(1);
    expect(payouts.items[0]).toMatchObject({ invoiceId: invoice.id, amount: invoice.payableAmount, status: 'paid', provider: 'sandbox' });
    expect((await sdkAs(m.admin).admin.payouts.list({ supplierId: m.org.id })).items.map((p) => p.id)).toEqual([payouts.items[0]!.id]);
    expect(Buffer.from(await sdkAs(m.admin).admin.invoices.pdf(invoice.id)).subarray(0, 5).toString()).toBe('%PDF-');

    const figures = await script.supplier.analytics({ from: new Date(Date.now() - 86_400_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() });
    expect(figures).toMatchObject({ orders: 1, units: 10, deliveredOrders: 1, revenue: [{ currency: 'USD', amount: 13000 }] });
  });

  it("refuses another organisation's invoice and PDF (404), and a key without invoices:read (403)", async () => {
    const script = new ConnectSphere({ baseUrl: url, apiKey: key });
    const invoice = (await script.supplier.invoices.list()).items[0]!;
    const other = await supplierOrganisation(app, { admin: m.admin });
    const stranger = sdkAs(other.owner);
    const otherKey = (await stranger.supplier.keys.create({ name: 'all', scopes: ['orders:read', 'orders:write', 'catalog:write', 'invoices:read'] })).key;
    for (const client of [stranger, new ConnectSphere({ baseUrl: url, apiKey: otherKey })]) {
      expect((await client.supplier.invoices.list()).items).toEqual([]);
      expect((await client.supplier.payouts.list()).items).toEqual([]);
      for (const call of [() => client.supplier.invoices.get(invoice.id), () => client.supplier.invoices.pdf(invoice.id)]) {
        const err = await call().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ApiError);
        expect((err as ApiError).status).toBe(404);
      }
    }
    const ordersOnly = (await sdkAs(m.org.owner).supplier.keys.create({ name: 'shipping', scopes: ['orders:read', 'orders:write'] })).key;
    const err = await new ConnectSphere({ baseUrl: url, apiKey: ordersOnly }).supplier.invoices.list().catch((e: unknown) => e);
    expect((err as ApiError).status).toBe(403);
  });
});

describe('cs supplier invoices|payouts|analytics and cs payouts (CLI)', { timeout: 120_000 }, () => {
  it('lists, shows and downloads the invoice with CS_API_KEY; the PDF reads back with its totals', async () => {
    const cs = cliFor(tempConfigDir(), url);
    const env = { env: { CS_API_KEY: key } };
    const table = await cs(['supplier', 'invoices', 'list'], env);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/INVOICE\s+STATUS\s+ORDER\s+TOTAL\s+PAYABLE/);
    const number = /INV-[A-Z0-9]+-\d{6}/.exec(table.stdout)![0];
    const shown = await cs(['supplier', 'invoices', 'show', number], env);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/Total\s+USD 150\.15/);
    expect(shown.stdout).toMatch(/VAT 15\.5%\s+USD 20\.15/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-invoice-'));
    const file = path.join(dir, 'invoice.pdf');
    const saved = await cs(['supplier', 'invoices', 'download', number, '--out', file], env);
    expect(saved.code, saved.stderr).toBe(0);
    expect(saved.stderr).toContain(`Wrote ${file}`);
    if (hasPdftotext) {
      const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
      expect(text).toContain(number);
      expect(text).toMatch(/150\.15/);
    }
    fs.rmSync(dir, { recursive: true, force: true });
    const missing = await cs(['supplier', 'invoices', 'show', 'INV-NOPE-000009'], env);
    expect(missing.code).toBe(2);
  });

  it('shows payouts and the figures to the owner, and every payout to an admin', async () => {
    const owner = cliAs(url, m.org.owner);
    const payouts = await owner(['supplier', 'payouts']);
    expect(payouts.code, payouts.stderr).toBe(0);
    expect(payouts.stdout).toMatch(/REFERENCE\s+STATUS\s+ORDER\s+AMOUNT/);
    expect(payouts.stdout).toMatch(/CS-PAYOUT-\S+\s+paid/);
    const figures = await owner(['supplier', 'analytics', '--json']);
    expect(figures.code, figures.stderr).toBe(0);
    expect(JSON.parse(figures.stdout)).toMatchObject({ orders: 1, deliveredOrders: 1 });
    const human = await owner(['supplier', 'analytics']);
    expect(human.stdout).toMatch(/Orders\s+1 \(10 units\), 1 delivered/);

    const admin = cliAs(url, m.admin);
    const all = await admin(['payouts', 'list', '--json']);
    expect(all.code, all.stderr).toBe(0);
    expect(JSON.parse(all.stdout).items).toHaveLength(1);
    const trader = await admin(['payouts', 'list', '--flagged']);
    expect(trader.code, trader.stderr).toBe(0);
    expect(trader.stderr).toContain('No payouts match.');
  });
});
