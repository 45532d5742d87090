import type { FastifyInstance } from 'fastify';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { domainEvents, notifications, supplierMembers, suppliers, users } from '../../api/db/schema.ts';
import { freshApp } from '../helpers/app.ts';
import { resetDatabase } from '../helpers/db.ts';
import { supplierOrganisation, supplierRegistration } from '../helpers/suppliers.ts';
import { bearer, userWithRole, type Session } from '../helpers/users.ts';

let app: FastifyInstance;
let admin: Session;
beforeAll(async () => {
  app = await freshApp();
});
beforeEach(async () => {
  await resetDatabase(app.ctx.database);
  admin = await userWithRole(app, 'admin');
});
afterAll(() => app.close());

const call = (token: string, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) =>
  app.inject({ method, url, headers: bearer(token), ...(payload === undefined ? {} : { payload: payload as object }) });

describe('supplier organisations', () => {
  it('registers an organisation with its owner, pending until an admin verifies it', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/suppliers/register', payload: supplierRegistration() });
    expect(res.statusCode).toBe(201);
    const { session, organisation } = res.json();
    expect(session.user.role).toBe('supplier');
    expect(organisation).toMatchObject({ status: 'pending', taxNumber: expect.stringMatching(/^2000/), categories: ['mealie-meal', 'rice'] });
    // The account number is masked in every response.
    expect(organisation.payoutAccount.accountNumber).toBe('•••••••0091');
    const mine = await call(session.accessToken, 'GET', '/api/supplier/organisation');
    expect(mine.json()).toMatchObject({ id: organisation.id, status: 'pending' });
    // Admins were told there is one to verify; the owner got a registration email.
    const mail = await app.ctx.db.select().from(notifications);
    expect(mail.map((m) => m.template).filter((t) => t.startsWith('supplier-')).sort()).toEqual(['supplier-pending', 'supplier-registered']);
    const events = await app.ctx.db.select().from(domainEvents).where(eq(domainEvents.supplierId, organisation.id));
    expect(events.map((e) => e.type)).toEqual(['supplier.registered']);
  });

  it('is all or nothing: a taken email leaves no organisation behind', async () => {
    const first = supplierRegistration();
    expect((await app.inject({ method: 'POST', url: '/api/suppliers/register', payload: first })).statusCode).toBe(201);
    const again = supplierRegistration({ user: { email: first.user.email } });
    const res = await app.inject({ method: 'POST', url: '/api/suppliers/register', payload: again });
    expect(res.statusCode).toBe(409);
    expect(res.json().errors).toEqual([{ field: 'body.user.email', message: 'is already registered' }]);
    expect(await app.ctx.db.select().from(suppliers)).toHaveLength(1);
  });

  it('names the field of bad input', async () => {
    const bad = supplierRegistration({ organisation: { taxNumber: 'BP-12', categories: [] }, user: { password: 'onlyletterspassword' } });
    const res = await app.inject({ method: 'POST', url: '/api/suppliers/register', payload: bad });
    expect(res.statusCode).toBe(400);
    const fields = res.json().errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['body.organisation.taxNumber', 'body.organisation.categories']));
    const weak = await app.inject({ method: 'POST', url: '/api/suppliers/register', payload: supplierRegistration({ user: { password: 'onlyletterspassword' } }) });
    expect(weak.json().errors).toEqual([{ field: 'body.user.password', message: 'must contain at least one letter and one digit' }]);
    const masked = await app.inject({
      method: 'POST',
      url: '/api/suppliers/register',
      payload: supplierRegistration({ organisation: { payoutAccount: { method: 'bank', bankCode: 'CBZ', bankName: 'CBZ', accountNumber: '•••0091', accountName: 'X Y' } } }),
    });
    expect(masked.json().errors[0].field).toBe('body.organisation.payoutAccount.accountNumber');
  });

  it('lets an admin verify or reject with a reason, and tells the owners', async () => {
    const org = await supplierOrganisation(app, { verified: false, admin });
    const queue = await call(admin.accessToken, 'GET', '/api/admin/suppliers?status=pending');
    expect(queue.json().items.map((s: { id: string }) => s.id)).toEqual([org.id]);
    const rejected = await call(admin.accessToken, 'POST', `/api/admin/suppliers/${org.id}/reject`, { reason: 'The BP number does not match the name' });
    expect(rejected.json()).toMatchObject({ status: 'rejected', rejectionReason: 'The BP number does not match the name' });
    expect((await call(admin.accessToken, 'POST', `/api/admin/suppliers/${org.id}/reject`, { reason: 'again and again' })).statusCode).toBe(409);
    const verified = await call(admin.accessToken, 'POST', `/api/admin/suppliers/${org.id}/verify`);
    expect(verified.json()).toMatchObject({ status: 'verified', rejectionReason: null, verifiedAt: expect.any(String) });
    expect((await call(admin.accessToken, 'POST', `/api/admin/suppliers/${org.id}/verify`)).statusCode).toBe(409);
    const told = await app.ctx.db.select().from(notifications).where(eq(notifications.userId, org.owner.user.id));
    expect(told.map((m) => `${m.template}/${m.channel}`).sort()).toEqual(
      ['supplier-pending/email', 'supplier-rejected/email', 'supplier-rejected/sms', 'supplier-verified/email', 'supplier-verified/sms'].sort(),
    );
    // Only admins see the queue; a supplier cannot verify itself.
    expect((await call(org.owner.accessToken, 'POST', `/api/admin/suppliers/${org.id}/verify`)).statusCode).toBe(403);
  });

  it('sends a verified organisation back to pending when its legal details change', async () => {
    const org = await supplierOrganisation(app, { admin });
    const contact = await call(org.owner.accessToken, 'PATCH', '/api/supplier/organisation', { contactName: 'Rudo Ncube' });
    expect(contact.json()).toMatchObject({ status: 'verified', contactName: 'Rudo Ncube' });
    const renamed = await call(org.owner.accessToken, 'PATCH', '/api/supplier/organisation', { name: 'Msasa Grain & Rice (Pvt) Ltd' });
    expect(renamed.json()).toMatchObject({ status: 'pending', verifiedAt: null });
  });

  it('invites a member who accepts once; members cannot manage the organisation', async () => {
    const org = await supplierOrganisation(app, { admin });
    const inv = await call(org.owner.accessToken, 'POST', '/api/supplier/invites', { email: 'orders@msasagrain.co.zw' });
    expect(inv.statusCode).toBe(201);
    const { token, invite } = inv.json();
    expect(invite).toMatchObject({ email: 'orders@msasagrain.co.zw', role: 'member' });
    const [mail] = await app.ctx.db.select().from(notifications).where(eq(notifications.template, 'supplier-invite'));
    expect(mail!.recipient).toBe('orders@msasagrain.co.zw');
    const accept = (t: string) =>
      app.inject({ method: 'POST', url: '/api/supplier/invites/accept', payload: { token: t, name: 'Tatenda Orders', password: 'tatenda-desk-2026', phone: '0773000222' } });
    const first = await accept(token);
    expect(first.statusCode).toBe(201);
    expect(first.json().user.role).toBe('supplier');
    expect((await accept(token)).statusCode).toBe(409);
    expect((await accept('x'.repeat(43))).statusCode).toBe(404);
    const member = first.json().accessToken as string;
    expect((await call(member, 'GET', '/api/supplier/organisation')).json().id).toBe(org.id);
    expect((await call(member, 'PATCH', '/api/supplier/organisation', { contactName: 'Someone Else' })).statusCode).toBe(403);
    expect((await call(member, 'POST', '/api/supplier/invites', { email: 'more@msasagrain.co.zw' })).statusCode).toBe(403);
    const list = await call(org.owner.accessToken, 'GET', '/api/supplier/members');
    expect(list.json().members.map((m: { role: string }) => m.role)).toEqual(['owner', 'member']);
    expect(list.json().invites).toEqual([]);
  });

  it('refuses organisation routes to other roles and to supplier accounts with no organisation', async () => {
    const trader = await userWithRole(app, 'trader');
    expect((await call(trader.accessToken, 'GET', '/api/supplier/organisation')).statusCode).toBe(403);
    const orphan = await userWithRole(app, 'supplier');
    const res = await call(orphan.accessToken, 'GET', '/api/supplier/organisation');
    expect(res.statusCode).toBe(403);
    expect(res.json().detail).toMatch(/belongs to no organisation/);
  });

  it("hides a pending organisation's products from traders and refuses groups for them", async () => {
    const org = await supplierOrganisation(app, { verified: false, admin });
    const product = await call(admin.accessToken, 'POST', '/api/products', {
      supplierId: org.id,
      sku: `MM-${process.pid}`,
      name: 'Roller meal 10 kg',
      description: 'Super refined roller meal',
      category: 'mealie-meal',
      unit: '10 kg bag',
      unitPrice: 650,
      stock: 200,
    });
    expect(product.statusCode).toBe(201);
    const trader = await userWithRole(app, 'trader');
    expect((await call(trader.accessToken, 'GET', '/api/products')).json().items).toEqual([]);
    const point = await call(admin.accessToken, 'POST', '/api/pickup-points', { name: 'Mbare stall 3', market: 'Mbare Musika', address: 'Mbare', openingHours: 'Mon-Sat' });
    const group = {
      productId: product.json().id,
      moq: 10,
      deadline: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      pickupPointIds: [point.json().id],
    };
    const refused = await call(admin.accessToken, 'POST', '/api/groups', group);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().detail).toMatch(/is pending/);
    await call(admin.accessToken, 'POST', `/api/admin/suppliers/${org.id}/verify`);
    expect((await call(trader.accessToken, 'GET', '/api/products')).json().items).toHaveLength(1);
    expect((await call(admin.accessToken, 'POST', '/api/groups', group)).statusCode).toBe(201);
  });
});

describe('demo data', () => {
  it('links each demo supplier user to its verified organisation and its products', async () => {
    const { seedDemoData } = await import('../../api/seed/demo.ts');
    await seedDemoData(app.ctx.db, { traders: 5 });
    const rows = await app.ctx.db
      .select({ email: users.email, org: suppliers.id, status: suppliers.status, role: supplierMembers.role })
      .from(supplierMembers)
      .innerJoin(users, eq(users.id, supplierMembers.userId))
      .innerJoin(suppliers, eq(suppliers.id, supplierMembers.supplierId));
    expect(rows).toHaveLength(6);
    expect(rows.every((r) => r.status === 'verified' && r.role === 'owner')).toBe(true);
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'supplier1@demo.connectsphere.co.zw', password: 'harare-demo-2026' } });
    const mine = await call(login.json().accessToken, 'GET', '/api/supplier/organisation');
    expect(mine.json()).toMatchObject({ status: 'verified', taxNumber: expect.any(String), payoutAccount: { method: 'bank' } });
    const products = await call(admin.accessToken, 'GET', `/api/products?supplierId=${mine.json().id}`);
    expect(products.json().items.length).toBeGreaterThan(0);
  });
});
