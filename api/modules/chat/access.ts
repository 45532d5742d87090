import { eq, sql } from 'drizzle-orm';
import type { Queryable } from '../../db/client.ts';
import { contributions, groups, products, supplierMembers } from '../../db/schema.ts';
import { forbidden, notFound } from '../../errors.ts';
import type { AuthUser } from '../../plugins/auth.ts';

/** Contributions that make a trader one of a group's participants (not those who left or lapsed). */
const participating = `('pending_payment', 'paid', 'refunded')`;

export interface ChatAccess {
  groupId: string;
  /** The organisation that sells the group's product. */
  supplierId: string;
  viewer: AuthUser;
  isAdmin: boolean;
}

/**
 * Who may read and post in a group's chat: its participants (traders with a contribution in it),
 * the members of the organisation whose product it sells, and admins. One query; 404 for no such
 * group, 403 for anyone else (staff, other traders, other organisations).
 */
export async function chatAccess(db: Queryable, viewer: AuthUser, groupId: string): Promise<ChatAccess> {
  const [row] = await db
    .select({
      supplierId: products.supplierId,
      participant: sql<boolean>`exists (select 1 from ${contributions} c where c.group_id = ${groups.id} and c.trader_id = ${viewer.id} and c.status in ${sql.raw(participating)})`,
      member: sql<boolean>`exists (select 1 from ${supplierMembers} m where m.supplier_id = ${products.supplierId} and m.user_id = ${viewer.id})`,
    })
    .from(groups)
    .innerJoin(products, eq(products.id, groups.productId))
    .where(eq(groups.id, groupId));
  if (!row) throw notFound(`Group ${groupId}`);
  const isAdmin = viewer.role === 'admin';
  const allowed = isAdmin || (viewer.role === 'trader' && row.participant) || (viewer.role === 'supplier' && row.member);
  if (!allowed) {
    throw forbidden(
      viewer.role === 'supplier'
        ? "This group's product is sold by another organisation; its chat is for that organisation's members"
        : "A group's chat is for its participants: join the group to take part",
    );
  }
  return { groupId, supplierId: row.supplierId, viewer, isAdmin };
}
