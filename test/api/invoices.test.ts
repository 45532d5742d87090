import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { domainEvents, invoiceReminders, invoices, notifications } from '../../api/db/schema.ts';
import { issueInvoice } from '../../api/modules/invoices/issue.ts';
import { invoiceAmounts, percentOf } from '../../api/modules/invoices/math.ts';
import { prefixCandidates } from '../../api/modules/invoices/numbering.ts';
import { remindDueInvoices } from '../../api/modules/invoices/service.ts';
import { freshApp } from '../helpers/app.ts';
import { onPostgres, resetDatabase } from '../helpers/db.ts';
import { orderOf, type OrderRow } from '../helpers/money.ts';
import { supplierOrganisation, type SupplierOrg } from '../helpers/suppliers.ts';
import { bearer, registerUser } from '../helpers/users.ts';
import { secondConnection } from '../jobs/fixtures.ts';

// Invoices of accepted orders. Until the orders module accepts orders itself, the orders are
// written straight into supplier_orders (status accepted) and issueInvoice is called in a
// transaction, as the acceptance hook does.

let app: FastifyInstance;
beforeAll(async () => {
  app = await freshApp();
});
beforeEach(() => resetDatabase(app.ctx.database));
afterAll(() => app.close());

const issue = (order: OrderRow, ctx = app.ctx) => ctx.db.transaction((tx) => issueInvoice(ctx, tx, order));
const get = (token: string, url: string) => app.inject({ method: 'GET', url, headers: bearer(token) });

describe('invoice arithmetic (integer minor units, half up, once per invoice)', () => {
  it('adds VAT at 15.5 % to the goods and keeps the commission back from the payout', () => {
    // 20 bags × USD 14.50 = USD 290.00; VAT 44.95; total 334.95; commission 5 % of goods 14.50.
    expect(invoiceAmounts(29_000, 1550, 500)).toEqual({ subtotal: 29_000, vatAmount: 4495, total: 33_495, commissionAmount: 1450, payableAmount: 32_045 });
  });
  it('rounds half a cent up and less than half down', () => {
    expect(percentOf(100, 1550)).toBe(16); // 15.5 → 16
    expect(percentOf(333, 1550)).toBe(52); // 51.615 → 52
    expect(percentOf(3, 1550)).toBe(0); // 0.465 → 0
    expect(percentOf(9_007_199_254_740_991, 1550)).toBe(1_396_115_884_484_854); // no float on the way
  });
  it('takes invoice prefixes from the trading name', () => {
    expect(prefixCandidates('Msasa Grain Traders', 'ab12cd34-0000-0000-0000-000000000000').slice(0, 2)).toEqual(['MGT', 'MGT2']);
    expect(prefixCandidates('Harare Grain', 'ab12cd34-0000-0000-0000-000000000000')[0]).toBe('HARA');
    expect(prefixCandidates('!!!', 'ab12cd34-0000-0000-0000-000000000000').at(-1)).toBe('AB12CD34');
  });
});

describe('issuing', () => {
  it('numbers each organisation\'s invoices from 1 without gaps, a rolled-back acceptance giving its number back', async () => {
    const a = await supplierOrganisation(app, { organisation: { name: 'Msasa Grain Traders' } });
    const b = await supplierOrganisation(app, { admin: a.admin, organisation: { name: 'Willowvale Soap Works' } });
    const first = await issue(await orderOf(app, a.id));
    const failing = await orderOf(app, a.id);
    await expect(
      app.ctx.db.transaction(async (tx) => {
        await issueInvoice(app.ctx, tx, failing);
        throw new Error('the acceptance failed after the invoice');
      }),
    ).rejects.toThrow('the acceptance failed');
    const second = await issue(await orderOf(app, a.id));
    const other = await issue(await orderOf(app, b.id));
    expect([first.number, second.number]).toEqual(['INV-MGT-000001', 'INV-MGT-000002']);
    expect(other.number).toBe('INV-WSW-000001');
    // The same order again is the same invoice, not a second number.
    const order = await orderOf(app, a.id);
    const once = await issue(order);
    expect((await issue(order)).id).toBe(once.id);
    expect(once.sequence).toBe(3);
  });

  it('stores the lines, VAT, commission, due date and issuer, records invoice.issued and tells the owners', async () => {
    const org = await supplierOrganisation(app);
    const order = await orderOf(app, org.id, { quantity: 20, unitPrice: 1450 });
    const inv = await issue(order);
    expect(inv).toMatchObject({ subtotal: 29_000, vatRateBp: 1550, vatAmount: 4495, total: 33_495, commissionRateBp: 500, commissionAmount: 1450, payableAmount: 32_045, status: 'issued', currency: 'USD' });
    expect(inv.lines).toEqual([{ description: expect.stringContaining(`PO-${order.number}`), quantity: 20, unit: 'bag', unitPrice: 1450, amount: 29_000 }]);
    expect(Math.round((inv.dueAt.getTime() - inv.issuedAt.getTime()) / 86_400_000)).toBe(30);
    expect(inv.issuer.taxNumber).toMatch(/^\d{9,10}$/);
    const events = await app.ctx.db.select().from(domainEvents).where(and(eq(domainEvents.type, 'invoice.issued'), eq(domainEvents.supplierId, org.id)));
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({ id: inv.id, number: inv.number, total: 33_495 });
    const mail = (await app.ctx.db.select().from(notifications).where(eq(notifications.template, 'invoice-issued'))).map((n) => n.channel).sort();
    expect(mail).toEqual(['email', 'sms']);
  });

  it('uses the configured VAT rate, commission and due days', async () => {
    const other = await freshApp({ VAT_RATE_PERCENT: '14.5', SUPPLIER_COMMISSION_PERCENT: '2.5', INVOICE_DUE_DAYS: '14' });
    try {
      const org = await supplierOrganisation(other);
      const order = await orderOf(other, org.id, { quantity: 10, unitPrice: 999 });
      const inv = await other.ctx.db.transaction((tx) => issueInvoice(other.ctx, tx, order));
      // 9 990 × 14.5 % = 1 448.55 → 1 449; × 2.5 % = 249.75 → 250.
      expect(inv).toMatchObject({ subtotal: 9990, vatAmount: 1449, total: 11_439, commissionAmount: 250, payableAmount: 11_189, vatRateBp: 1450, commissionRateBp: 250 });
      expect(Math.round((inv.dueAt.getTime() - inv.issuedAt.getTime()) / 86_400_000)).toBe(14);
    } finally {
      await other.close();
    }
  });

  it.runIf(onPostgres())('gives 1..N with no gap or duplicate when N orders of one organisation are accepted at once (real PostgreSQL)', async () => {
    const org = await supplierOrganisation(app, { organisation: { name: 'Graniteside Hardware' } });
    const other = await supplierOrganisation(app, { admin: org.admin });
    const orders = [];
    for (let i = 0; i < 24; i += 1) orders.push(await orderOf(app, org.id));
    const others = [];
    for (let i = 0; i < 4; i += 1) others.push(await orderOf(app, other.id));
    const second = await secondConnection(app.ctx);
    try {
      // Every acceptance in its own transaction on two pools, all at once; every fifth rolls back
      // after taking its number, as a failed acceptance would.
      const results = await Promise.allSettled(
        [...orders, ...others].map((order, i) =>
          (i % 2 ? second.ctx : app.ctx).db.transaction(async (tx) => {
            const inv = await issueInvoice(i % 2 ? second.ctx : app.ctx, tx, order);
            if (i % 5 === 4 && i < orders.length) throw new Error('rolled back');
            return inv;
          }),
        ),
      );
      const rolledBack = results.filter((r) => r.status === 'rejected');
      expect(rolledBack.every((r) => (r as PromiseRejectedResult).reason.message === 'rolled back')).toBe(true);
      const rows = await app.ctx.db.select().from(invoices).where(eq(invoices.supplierId, org.id));
      const seqs = rows.map((r) => r.sequence).sort((x, y) => x - y);
      expect(seqs).toEqual(Array.from({ length: orders.length - rolledBack.length }, (_, i) => i + 1));
      expect(new Set(rows.map((r) => r.number)).size).toBe(rows.length);
      expect(rows.map((r) => r.number).sort()).toEqual(seqs.map((s) => `INV-GRAN-${String(s).padStart(6, '0')}`));
      const theirs = (await app.ctx.db.select().from(invoices).where(eq(invoices.supplierId, other.id))).map((r) => r.sequence).sort();
      expect(theirs).toEqual([1, 2, 3, 4]);
    } finally {
      await second.close();
    }
  });
});

describe('GET /api/supplier/invoices and the PDF', () => {
  let a: SupplierOrg;
  let b: SupplierOrg;
  beforeEach(async () => {
    a = await supplierOrganisation(app, { organisation: { name: 'Msasa Grain Traders', address: '14 Mutare Road', area: 'Msasa', taxNumber: '2000123456' } });
    b = await supplierOrganisation(app, { admin: a.admin });
  });

  it('lists and shows only the organisation\'s own invoices; another\'s is a 404 for JSON and PDF alike', async () => {
    const mine = [await issue(await orderOf(app, a.id)), await issue(await orderOf(app, a.id))];
    const theirs = await issue(await orderOf(app, b.id));
    const list = await get(a.owner.accessToken, '/api/supplier/invoices?limit=1');
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((i: { number: string }) => i.number)).toEqual([mine[1]!.number]);
    const next = await get(a.owner.accessToken, `/api/supplier/invoices?limit=1&cursor=${list.json().nextCursor}`);
    expect(next.json().items.map((i: { number: string }) => i.number)).toEqual([mine[0]!.number]);
    expect((await get(a.owner.accessToken, '/api/supplier/invoices?status=paid')).json().items).toEqual([]);

    const one = await get(a.owner.accessToken, `/api/supplier/invoices/${mine[0]!.id}`);
    expect(one.json()).toMatchObject({ number: 'INV-MGT-000001', vatRate: '15.5', commissionRate: '5', total: 33_495, payableAmount: 32_045, orderNumber: expect.stringMatching(/^PO-\d+$/), pdfUrl: `/api/invoices/${mine[0]!.id}.pdf` });
    expect((await get(a.owner.accessToken, `/api/supplier/invoices/${theirs.id}`)).statusCode).toBe(404);
    expect((await get(a.owner.accessToken, `/api/invoices/${theirs.id}.pdf`)).statusCode).toBe(404);
    expect((await get(b.owner.accessToken, `/api/invoices/${mine[0]!.id}.pdf`)).statusCode).toBe(404);
    // A trader may not; an admin may read any organisation's PDF.
    const trader = await registerUser(app);
    expect((await get(trader.accessToken, `/api/invoices/${mine[0]!.id}.pdf`)).statusCode).toBe(403);
    expect((await get(trader.accessToken, '/api/supplier/invoices')).statusCode).toBe(403);
    const asAdmin = await get(a.admin.accessToken, `/api/invoices/${theirs.id}.pdf`);
    expect(asAdmin.statusCode).toBe(200);
    expect(asAdmin.headers['content-type']).toBe('application/pdf');
  });

  it('renders a PDF whose text (pdftotext) carries the issuer, BP number, lines, VAT, commission, totals and due date', async () => {
    const inv = await issue(await orderOf(app, a.id, { quantity: 20, unitPrice: 1450 }));
    const res = await get(a.owner.accessToken, `/api/invoices/${inv.id}.pdf`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toContain('INV-MGT-000001.pdf');
    expect(res.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(res.rawPayload);
    for (const expected of [
      'TAX INVOICE',
      'INV-MGT-000001',
      'Msasa Grain Traders',
      '14 Mutare Road',
      'ZIMRA BP number: 2000123456',
      'Roller meal 10 kg',
      'USD 14.50',
      'USD 290.00',
      'VAT 15.5%',
      'USD 44.95',
      'USD 334.95',
      'Platform commission 5% of goods',
      '- USD 14.50',
      'USD 320.45',
      `Due: ${inv.dueAt.toISOString().slice(0, 10)}`,
    ]) {
      expect(text).toContain(expected);
    }
  });
});

describe('the invoice-reminders job', () => {
  it('reminds the admins once per invoice per reminder day, and marks unpaid invoices overdue after their due date', async () => {
    const org = await supplierOrganisation(app);
    const inv = await issue(await orderOf(app, org.id));
    const at = (daysBeforeDue: number) => new Date(inv.dueAt.getTime() - daysBeforeDue * 86_400_000);
    expect(await remindDueInvoices(app.ctx, at(10))).toEqual({ reminded: 0, overdue: 0 });
    expect(await remindDueInvoices(app.ctx, at(6.5))).toEqual({ reminded: 1, overdue: 0 });
    expect(await remindDueInvoices(app.ctx, at(6))).toEqual({ reminded: 0, overdue: 0 });
    expect(await remindDueInvoices(app.ctx, at(0.5))).toEqual({ reminded: 1, overdue: 0 });
    expect(await remindDueInvoices(app.ctx, at(0.25))).toEqual({ reminded: 0, overdue: 0 });
    expect((await app.ctx.db.select().from(invoiceReminders)).map((r) => r.daysBefore).sort()).toEqual([1, 7]);
    const adminMails = await app.ctx.db.select().from(notifications).where(and(eq(notifications.template, 'invoice-reminder'), eq(notifications.userId, org.admin.user.id)));
    expect(adminMails).toHaveLength(2);
    expect((await app.ctx.db.select().from(domainEvents).where(eq(domainEvents.type, 'invoice.reminder'))).length).toBe(2);
    expect(await remindDueInvoices(app.ctx, at(-0.1))).toEqual({ reminded: 0, overdue: 1 });
    expect((await get(org.owner.accessToken, `/api/supplier/invoices/${inv.id}`)).json().status).toBe('overdue');
  });
});

function pdfText(pdf: Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-invoice-'));
  const file = path.join(dir, 'invoice.pdf');
  fs.writeFileSync(file, pdf);
  try {
    return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
