import { and, eq, gt, sql } from 'drizzle-orm';
import type { Queryable } from '../../db/client.ts';
import { chatMutes } from '../../db/schema.ts';
import { forbidden, HttpProblem, notFound } from '../../errors.ts';
import type { AuthUser } from '../../plugins/auth.ts';
import { groupAudience, inAudience } from '../groups/audience.ts';

export interface ChatAccess {
  groupId: string;
  /** The organisation that sells the group's product. */
  supplierId: string;
  viewer: AuthUser;
  isAdmin: boolean;
}

/**
 * Who may read and post in a group's chat: the group's audience (groupAudience), 404 for no such
 * group, 403 for anyone else (staff, other traders, other organisations).
 */
export async function chatAccess(db: Queryable, viewer: AuthUser, groupId: string): Promise<ChatAccess> {
  const row = await groupAudience(db, viewer, groupId);
  if (!row) throw notFound(`Group ${groupId}`);
  const isAdmin = viewer.role === 'admin';
  if (!inAudience(viewer, row)) {
    throw forbidden(
      viewer.role === 'supplier'
        ? "This group's product is sold by another organisation; its chat is for that organisation's members"
        : "A group's chat is for its participants: join the group to take part",
    );
  }
  return { groupId, supplierId: row.supplierId, viewer, isAdmin };
}

/** A mute still in force for this user in this group, if any (admins are never held by one). */
export async function assertNotMuted(db: Queryable, access: ChatAccess): Promise<void> {
  if (access.isAdmin) return;
  const [mute] = await db
    .select({ until: chatMutes.until })
    .from(chatMutes)
    .where(and(eq(chatMutes.groupId, access.groupId), eq(chatMutes.userId, access.viewer.id), gt(chatMutes.until, sql`now()`)));
  if (mute) {
    const until = mute.until.toISOString();
    throw new HttpProblem(403, 'chat-muted', 'Muted', `You are muted in this group's chat until ${until}`, undefined, { mutedUntil: until });
  }
}
