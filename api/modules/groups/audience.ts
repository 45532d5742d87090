import { eq, sql } from 'drizzle-orm';
import type { Queryable } from '../../db/client.ts';
import { contributions, groups, products, supplierMembers } from '../../db/schema.ts';
import type { AuthUser } from '../../plugins/auth.ts';

/**
 * Contributions that make a trader one of a group's participants: reserved, paid, or paid and
 * refunded (they still hear how it ended), not those who cancelled or whose reservation lapsed.
 */
const participating = `('pending_payment', 'paid', 'refunded')`;

/** How a user stands to a group; null when there is no such group. */
export interface GroupAudience {
  /** The organisation that sells the group's product. */
  supplierId: string;
  participant: boolean;
  member: boolean;
}

/**
 * The one rule for who follows a group (its chat, its real-time channel): its participants, the
 * members of the organisation whose product it sells, and admins. One query.
 */
export async function groupAudience(db: Queryable, user: AuthUser, groupId: string): Promise<GroupAudience | null> {
  const [row] = await db
    .select({
      supplierId: products.supplierId,
      participant: sql<boolean>`exists (select 1 from ${contributions} c where c.group_id = ${groups.id} and c.trader_id = ${user.id} and c.status in ${sql.raw(participating)})`,
      member: sql<boolean>`exists (select 1 from ${supplierMembers} m where m.supplier_id = ${products.supplierId} and m.user_id = ${user.id})`,
    })
    .from(groups)
    .innerJoin(products, eq(products.id, groups.productId))
    .where(eq(groups.id, groupId));
  return row ?? null;
}

export function inAudience(user: AuthUser, a: GroupAudience): boolean {
  return user.role === 'admin' || (user.role === 'trader' && a.participant) || (user.role === 'supplier' && a.member);
}
