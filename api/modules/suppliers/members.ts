import { and, eq, gt, isNull } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { supplierInvites, supplierMembers, suppliers, users } from '../../db/schema.ts';
import { HttpProblem, conflict, notFound } from '../../errors.ts';
import type { Body } from '../../openapi/contract.ts';
import { assertStrongPassword, hashPassword } from '../auth/passwords.ts';
import { issueSession } from '../auth/service.ts';
import { hashRefreshToken, newRefreshToken } from '../auth/tokens.ts';
import { enqueue } from '../notifications/outbox.ts';
import { normalizePhone } from '../users/phone.ts';
import { assertOwner, type OrganisationActor } from './membership.ts';
import { inviteView } from './views.ts';

const inviteTtlMs = 7 * 86_400_000;

export async function listMembers(ctx: AppContext, actor: OrganisationActor) {
  const id = actor.organisation.id;
  const members = await ctx.db
    .select({ userId: users.id, email: users.email, name: users.name, role: supplierMembers.role, joinedAt: supplierMembers.createdAt })
    .from(supplierMembers)
    .innerJoin(users, eq(users.id, supplierMembers.userId))
    .where(eq(supplierMembers.supplierId, id))
    .orderBy(supplierMembers.createdAt);
  const invites = await ctx.db
    .select()
    .from(supplierInvites)
    .where(and(eq(supplierInvites.supplierId, id), isNull(supplierInvites.acceptedAt), gt(supplierInvites.expiresAt, new Date())))
    .orderBy(supplierInvites.createdAt);
  return {
    members: members.map((m) => ({ ...m, joinedAt: m.joinedAt.toISOString() })),
    invites: invites.map(inviteView),
  };
}

export async function invite(ctx: AppContext, actor: OrganisationActor, input: Body<'inviteSupplierMember'>) {
  assertOwner(actor);
  const email = input.email.trim().toLowerCase();
  const [existing] = await ctx.db.select({ id: users.id }).from(users).where(eq(users.email, email));
  if (existing) {
    throw new HttpProblem(409, 'conflict', 'Conflict', 'An account with this email already exists; invite a new address', [
      { field: 'body.email', message: 'is already registered' },
    ]);
  }
  // The same random-token-stored-hashed scheme as refresh tokens.
  const token = newRefreshToken();
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(supplierInvites)
      .values({
        supplierId: actor.organisation.id,
        email,
        role: input.role ?? 'member',
        tokenHash: token.hash,
        invitedBy: actor.userId,
        expiresAt: new Date(Date.now() + inviteTtlMs),
      })
      .returning();
    await enqueue(tx, [
      {
        userId: null,
        channel: 'email',
        recipient: email,
        template: 'supplier-invite',
        payload: { organisation: actor.organisation.name, token: token.token, expires: row!.expiresAt.toISOString().slice(0, 10) },
      },
    ]);
    return { invite: inviteView(row!), token: token.token };
  });
}

export async function acceptInvite(ctx: AppContext, input: Body<'acceptSupplierInvite'>) {
  const tokenHash = hashRefreshToken(input.token);
  const phone = normalizePhone(input.phone);
  const passwordHash = await hashPassword(input.password);
  try {
    return await ctx.db.transaction(async (tx) => {
      // Locked so a token raced from two tabs creates one account.
      const [row] = await tx.select().from(supplierInvites).where(eq(supplierInvites.tokenHash, tokenHash)).for('update');
      if (!row || row.expiresAt <= new Date()) throw notFound('The invitation (or it has expired)');
      if (row.acceptedAt) throw conflict('This invitation was already accepted; sign in instead');
      assertStrongPassword(input.password, row.email);
      const [{ area }] = (await tx.select({ area: suppliers.area }).from(suppliers).where(eq(suppliers.id, row.supplierId))) as [{ area: string }];
      const [user] = await tx
        .insert(users)
        .values({ email: row.email, name: input.name.trim(), phone, passwordHash, role: 'supplier', market: area })
        .returning();
      await tx.insert(supplierMembers).values({ supplierId: row.supplierId, userId: user!.id, role: row.role });
      await tx.update(supplierInvites).set({ acceptedAt: new Date() }).where(eq(supplierInvites.id, row.id));
      return issueSession(ctx, tx, user!);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('An account with this email already exists; sign in instead');
    throw err;
  }
}
