import { and, eq, sql, type SQL } from 'drizzle-orm';
import { groupAudience, inAudience } from '../groups/audience.ts';
import type { Db } from '../../db/client.ts';
import { domainEvents, staffPickupPoints, supplierMembers } from '../../db/schema.ts';
import type { AuthUser } from '../../plugins/auth.ts';

/** A channel a socket may subscribe to; `group:{id}`, `user:{id}`, `supplier:{id}`, `pickup-point:{id}`, `admin`. */
export type Channel = { kind: 'group' | 'user' | 'supplier' | 'pickup-point'; id: string; name: string } | { kind: 'admin'; name: 'admin' };

const uuid = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const channelPattern = new RegExp(`^(group|user|supplier|pickup-point):(${uuid})$`, 'i');

export function parseChannel(name: unknown): Channel | null {
  if (name === 'admin') return { kind: 'admin', name: 'admin' };
  if (typeof name !== 'string') return null;
  const m = channelPattern.exec(name);
  if (!m) return null;
  const kind = m[1]!.toLowerCase() as 'group' | 'user' | 'supplier' | 'pickup-point';
  const id = m[2]!.toLowerCase();
  return { kind, id, name: `${kind}:${id}` };
}

/**
 * Event types a group's channel carries: the group's own state and its conversation, which every
 * participant may see. One trader's payment, refund or pass is theirs (their user channel), not
 * the group's, even though it names the group.
 */
export const groupChannelPrefixes = ['group.', 'chat.'];
const onGroupChannel = (type: string) => groupChannelPrefixes.some((p) => type.startsWith(p));

export interface FeedEvent {
  id: number;
  type: string;
  supplierId: string | null;
  groupId: string | null;
  userId: string | null;
  data: Record<string, unknown>;
  createdAt: string;
}

/** The channels an event is delivered on. Admins hear everything. */
export function channelsOf(e: FeedEvent): string[] {
  const out = ['admin'];
  if (e.userId) out.push(`user:${e.userId}`);
  if (e.supplierId) out.push(`supplier:${e.supplierId}`);
  if (e.groupId && onGroupChannel(e.type)) out.push(`group:${e.groupId}`);
  const point = e.data.pickupPointId;
  if (typeof point === 'string') out.push(`pickup-point:${point}`);
  return out;
}

/** The same rule as a condition on domain_events, for replays (resume after a reconnect). */
export function channelCondition(c: Channel): SQL | undefined {
  switch (c.kind) {
    case 'admin':
      return undefined;
    case 'user':
      return eq(domainEvents.userId, c.id);
    case 'supplier':
      return eq(domainEvents.supplierId, c.id);
    case 'pickup-point':
      return sql`${domainEvents.data}->>'pickupPointId' = ${c.id}`;
    case 'group':
      return and(eq(domainEvents.groupId, c.id), sql`(${sql.join(groupChannelPrefixes.map((p) => sql`${domainEvents.type} like ${`${p}%`}`), sql` or `)})`);
  }
}

/**
 * Who may subscribe, decided once at subscribe time (and again when the socket re-authenticates):
 * - group:{id}: the group's audience (api/modules/groups/audience.ts), as for its chat.
 * - user:{id}: that user only.
 * - supplier:{id}: that organisation's members.
 * - pickup-point:{id}: staff assigned to the point (staff_pickup_points), and admins.
 * - admin: admins.
 * Returns why not, or null when allowed.
 */
export async function refusal(db: Db, user: AuthUser, c: Channel): Promise<string | null> {
  if (c.kind === 'admin') return user.role === 'admin' ? null : 'the admin channel is for admins';
  if (c.kind === 'user') return c.id === user.id ? null : 'a user channel is for that user only';
  if (c.kind === 'supplier') {
    const [m] = await db
      .select({ one: sql`1` })
      .from(supplierMembers)
      .where(and(eq(supplierMembers.supplierId, c.id), eq(supplierMembers.userId, user.id)));
    return m ? null : "a supplier channel is for that organisation's members";
  }
  if (c.kind === 'pickup-point') {
    if (user.role === 'admin') return null;
    const [m] = await db
      .select({ one: sql`1` })
      .from(staffPickupPoints)
      .where(and(eq(staffPickupPoints.pickupPointId, c.id), eq(staffPickupPoints.userId, user.id)));
    return m ? null : "a pickup point's channel is for the staff assigned to it";
  }
  const audience = await groupAudience(db, user, c.id);
  return audience && inAudience(user, audience) ? null : 'a group channel is for its participants, its supplier organisation and admins';
}
