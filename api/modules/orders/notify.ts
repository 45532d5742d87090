import { and, eq } from 'drizzle-orm';
import type { Queryable } from '../../db/client.ts';
import { supplierMembers, users } from '../../db/schema.ts';
import { enqueue } from '../notifications/outbox.ts';

// Who hears about an order, through the outbox (in the transaction of the change): the
// organisation's people by email and SMS, admins by email.

/** Every active member of the organisation, by email and SMS. */
export async function tellOrganisation(tx: Queryable, supplierId: string, template: string, payload: Record<string, unknown>) {
  const people = await tx
    .select({ id: users.id, email: users.email, phone: users.phone })
    .from(supplierMembers)
    .innerJoin(users, eq(users.id, supplierMembers.userId))
    .where(and(eq(supplierMembers.supplierId, supplierId), eq(users.active, true)));
  await enqueue(
    tx,
    people.flatMap((p) => [
      { userId: p.id, channel: 'email' as const, recipient: p.email, template, payload },
      { userId: p.id, channel: 'sms' as const, recipient: p.phone, template, payload },
    ]),
  );
}

export async function tellAdmins(tx: Queryable, template: string, payload: Record<string, unknown>) {
  const admins = await tx.select({ id: users.id, email: users.email }).from(users).where(and(eq(users.role, 'admin'), eq(users.active, true)));
  await enqueue(tx, admins.map((a) => ({ userId: a.id, channel: 'email' as const, recipient: a.email, template, payload })));
}
