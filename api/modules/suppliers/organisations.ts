import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import type { Queryable } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { encodeCursor, keyset, page, type SortKey } from '../../db/pagination.ts';
import { supplierMembers, suppliers, users, type PayoutAccount } from '../../db/schema.ts';
import { HttpProblem, conflict, notFound } from '../../errors.ts';
import type { Body, Query } from '../../openapi/contract.ts';
import { assertStrongPassword, hashPassword } from '../auth/passwords.ts';
import { issueSession } from '../auth/service.ts';
import { recordEvent } from '../events/domain-events.ts';
import { enqueue } from '../notifications/outbox.ts';
import { normalizePhone } from '../users/phone.ts';
import type { OrganisationActor, SupplierRow } from './membership.ts';
import { assertOwner } from './membership.ts';
import { organisationView } from './views.ts';

type OrganisationInput = Body<'registerSupplier'>['organisation'];

function normalisePayout(account: PayoutAccount | undefined, field: string): PayoutAccount | undefined {
  if (!account) return undefined;
  if (account.method === 'mobile_money') return { ...account, phone: normalizePhone(account.phone, `${field}.phone`) };
  if (account.accountNumber.includes('•')) {
    throw new HttpProblem(400, 'validation', 'Validation failed', `${field}.accountNumber: send the full account number, not the masked one`, [
      { field: `${field}.accountNumber`, message: 'send the full account number, not the masked one' },
    ]);
  }
  return account;
}

function organisationValues(input: OrganisationInput) {
  return {
    name: input.name.trim(),
    registrationNumber: input.registrationNumber?.trim() ?? null,
    taxNumber: input.taxNumber ?? null,
    contactName: input.contactName.trim(),
    area: input.area.trim(),
    address: input.address.trim(),
    phone: normalizePhone(input.phone, 'body.organisation.phone'),
    email: input.email.trim().toLowerCase(),
    categories: input.categories,
    payoutAccount: normalisePayout(input.payoutAccount, 'body.organisation.payoutAccount') ?? null,
  };
}

const emailTaken = () =>
  new HttpProblem(409, 'conflict', 'Conflict', 'An account with this email already exists', [{ field: 'body.user.email', message: 'is already registered' }]);

/** Organisation, owner account, admin notice and session: all or nothing. */
export async function registerSupplier(ctx: AppContext, input: Body<'registerSupplier'>) {
  const email = input.user.email.trim().toLowerCase();
  assertStrongPassword(input.user.password, email, 'body.user.password');
  const phone = normalizePhone(input.user.phone, 'body.user.phone');
  const values = organisationValues(input.organisation);
  const passwordHash = await hashPassword(input.user.password);
  try {
    return await ctx.db.transaction(async (tx) => {
      const [organisation] = await tx.insert(suppliers).values(values).returning();
      const [user] = await tx
        .insert(users)
        .values({ email, name: input.user.name.trim(), phone, passwordHash, role: 'supplier', market: values.area })
        .returning();
      await tx.insert(supplierMembers).values({ supplierId: organisation!.id, userId: user!.id, role: 'owner' });
      await notifyAdmins(tx, 'supplier-registered', { organisation: organisation!.name, id: organisation!.id });
      await enqueue(tx, [
        { userId: user!.id, channel: 'email', recipient: email, template: 'supplier-pending', payload: { name: user!.name, organisation: organisation!.name } },
      ]);
      await recordEvent(tx, { type: 'supplier.registered', supplierId: organisation!.id, data: { id: organisation!.id, name: organisation!.name } });
      return { session: await issueSession(ctx, tx, user!), organisation: organisationView(organisation!) };
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw emailTaken();
    throw err;
  }
}

export async function notifyAdmins(tx: Queryable, template: string, payload: Record<string, unknown>) {
  const admins = await tx.select({ id: users.id, email: users.email }).from(users).where(and(eq(users.role, 'admin'), eq(users.active, true)));
  await enqueue(tx, admins.map((a) => ({ userId: a.id, channel: 'email' as const, recipient: a.email, template, payload })));
}

export async function notifyOwners(tx: Queryable, supplierId: string, template: string, payload: Record<string, unknown>) {
  const owners = await tx
    .select({ id: users.id, email: users.email, phone: users.phone })
    .from(supplierMembers)
    .innerJoin(users, eq(users.id, supplierMembers.userId))
    .where(and(eq(supplierMembers.supplierId, supplierId), eq(supplierMembers.role, 'owner')));
  await enqueue(
    tx,
    owners.flatMap((o) => [
      { userId: o.id, channel: 'email' as const, recipient: o.email, template, payload },
      { userId: o.id, channel: 'sms' as const, recipient: o.phone, template, payload },
    ]),
  );
}

// Changing who the organisation legally is must be checked again before it sells.
const legalFields = ['name', 'registrationNumber', 'taxNumber'] as const;

export async function updateOrganisation(ctx: AppContext, actor: OrganisationActor, change: Body<'updateMyOrganisation'>) {
  assertOwner(actor);
  const current = actor.organisation;
  const set: Partial<typeof suppliers.$inferInsert> = { updatedAt: new Date() };
  if (change.name !== undefined) set.name = change.name.trim();
  if (change.registrationNumber !== undefined) set.registrationNumber = change.registrationNumber.trim();
  if (change.taxNumber !== undefined) set.taxNumber = change.taxNumber;
  if (change.contactName !== undefined) set.contactName = change.contactName.trim();
  if (change.area !== undefined) set.area = change.area.trim();
  if (change.address !== undefined) set.address = change.address.trim();
  if (change.phone !== undefined) set.phone = normalizePhone(change.phone, 'body.phone');
  if (change.email !== undefined) set.email = change.email.trim().toLowerCase();
  if (change.categories !== undefined) set.categories = change.categories;
  if (change.payoutAccount !== undefined) set.payoutAccount = normalisePayout(change.payoutAccount, 'body.payoutAccount');
  const legalChange = legalFields.some((f) => set[f] !== undefined && set[f] !== current[f]);
  if (legalChange && current.status === 'verified') Object.assign(set, { status: 'pending', verifiedAt: null, verifiedBy: null });
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx.update(suppliers).set(set).where(eq(suppliers.id, current.id)).returning();
    if (legalChange && current.status === 'verified') await notifyAdmins(tx, 'supplier-registered', { organisation: row!.name, id: row!.id });
    await recordEvent(tx, { type: 'supplier.updated', supplierId: row!.id, data: { id: row!.id, status: row!.status } });
    return organisationView(row!);
  });
}

export async function listSuppliers(db: Queryable, query: Query<'listSuppliers'>) {
  const conditions: SQL[] = [];
  if (query.status) conditions.push(eq(suppliers.status, query.status));
  // Pending first (the queue an admin works through), then by age.
  const sort: SortKey = {
    expr: sql`(case ${suppliers.status} when 'pending' then 0 when 'rejected' then 1 else 2 end * 1e13 + extract(epoch from ${suppliers.createdAt}) * 1000)::float8`,
    type: 'float8',
    direction: 'asc',
  };
  const { where, order } = keyset(sort, suppliers.id, query.cursor);
  if (where) conditions.push(where);
  const rows = await db
    .select({ organisation: suppliers, key: sql<number>`${sort.expr}` })
    .from(suppliers)
    .where(and(...conditions))
    .orderBy(order)
    .limit(query.limit + 1);
  const result = page(rows, query.limit, (r) => encodeCursor(Number(r.key), r.organisation.id));
  return { items: result.items.map((r) => organisationView(r.organisation)), nextCursor: result.nextCursor };
}

async function loadForUpdate(tx: Queryable, id: string): Promise<SupplierRow> {
  const [row] = await tx.select().from(suppliers).where(eq(suppliers.id, id)).for('update');
  if (!row) throw notFound(`Supplier ${id}`);
  return row;
}

export async function getSupplier(db: Queryable, id: string) {
  const [row] = await db.select().from(suppliers).where(eq(suppliers.id, id));
  if (!row) throw notFound(`Supplier ${id}`);
  return organisationView(row);
}

export async function verifySupplier(ctx: AppContext, adminId: string, id: string) {
  return ctx.db.transaction(async (tx) => {
    const current = await loadForUpdate(tx, id);
    if (current.status === 'verified') throw conflict(`Supplier ${id} is already verified`, { currentState: current.status });
    const [row] = await tx
      .update(suppliers)
      .set({ status: 'verified', rejectionReason: null, verifiedAt: new Date(), verifiedBy: adminId, updatedAt: new Date() })
      .where(eq(suppliers.id, id))
      .returning();
    await notifyOwners(tx, id, 'supplier-verified', { organisation: row!.name });
    await recordEvent(tx, { type: 'supplier.verified', supplierId: id, data: { id, name: row!.name } });
    return organisationView(row!);
  });
}

export async function rejectSupplier(ctx: AppContext, adminId: string, id: string, reason: string) {
  return ctx.db.transaction(async (tx) => {
    const current = await loadForUpdate(tx, id);
    if (current.status === 'rejected') throw conflict(`Supplier ${id} is already rejected`, { currentState: current.status });
    const [row] = await tx
      .update(suppliers)
      .set({ status: 'rejected', rejectionReason: reason.trim(), verifiedAt: null, verifiedBy: adminId, updatedAt: new Date() })
      .where(eq(suppliers.id, id))
      .returning();
    await notifyOwners(tx, id, 'supplier-rejected', { organisation: row!.name, reason: reason.trim() });
    await recordEvent(tx, { type: 'supplier.rejected', supplierId: id, data: { id, name: row!.name, reason: reason.trim() } });
    return organisationView(row!);
  });
}
