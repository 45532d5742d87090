import { eq } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { supplierMembers, suppliers } from '../../db/schema.ts';
import { forbidden } from '../../errors.ts';
import { currentUser } from '../../plugins/auth.ts';

export type SupplierRow = typeof suppliers.$inferSelect;

/** Who is acting for an organisation: a member signed in, with their role in it. */
export interface OrganisationActor {
  organisation: SupplierRow;
  /** The member's user id (null when a script acts with an API key). */
  userId: string | null;
  role: 'owner' | 'member';
  /** Set when a script acts with an API key (role is then 'member': keys never manage the organisation). */
  apiKeyId?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set once per request by organisationOf. */
    organisationActor?: OrganisationActor;
  }
}

/**
 * The organisation the caller acts for. Every /api/supplier/* handler starts here, and every query
 * it runs is filtered by the returned organisation's id: that is what keeps one organisation out
 * of another's catalog, orders, invoices, payouts and keys.
 */
export async function organisationOf(ctx: AppContext, req: FastifyRequest): Promise<OrganisationActor> {
  if (req.organisationActor) return req.organisationActor;
  if (req.apiKey) {
    // A key acts for the organisation that made it, with no user; the auth hook checked its scopes.
    const [organisation] = await ctx.db.select().from(suppliers).where(eq(suppliers.id, req.apiKey.supplierId));
    if (!organisation) throw forbidden('The organisation of this API key no longer exists');
    req.organisationActor = { organisation, userId: null, role: 'member', apiKeyId: req.apiKey.id };
    return req.organisationActor;
  }
  const user = currentUser(req);
  const [row] = await ctx.db
    .select({ organisation: suppliers, role: supplierMembers.role })
    .from(supplierMembers)
    .innerJoin(suppliers, eq(suppliers.id, supplierMembers.supplierId))
    .where(eq(supplierMembers.userId, user.id));
  if (!row) throw forbidden('This supplier account belongs to no organisation; ask your organisation owner for an invitation');
  req.organisationActor = { organisation: row.organisation, userId: user.id, role: row.role };
  return req.organisationActor;
}

/** Owners manage the organisation itself, its people, keys and webhooks. */
export function assertOwner(actor: OrganisationActor): void {
  if (actor.role !== 'owner') throw forbidden('Only an owner of the organisation may do this');
}

/** Selling (new groups, accepting orders and quotes) needs a verified organisation. */
export function assertVerified(actor: OrganisationActor): void {
  if (actor.organisation.status !== 'verified') {
    throw forbidden(`The organisation is ${actor.organisation.status}; it can sell once an admin verifies it`);
  }
}
