import { inArray } from 'drizzle-orm';
import type { Queryable } from '../../db/client.ts';
import { inboxMessages, notifications, users } from '../../db/schema.ts';
import { recordEvents } from '../events/domain-events.ts';
import { inboxView } from './service.ts';

export type Channel = 'email' | 'sms';

export interface OutgoingNotification {
  userId: string | null;
  channel: Channel;
  recipient: string;
  template: string;
  payload: Record<string, unknown>;
}

/**
 * Queue notifications inside the caller's transaction; the dispatcher delivers them after commit.
 * Each announcement to a known user also lands in their in-app inbox, once however many channels
 * it goes out on, and reaches their open sockets at once as a `notification.created` event on
 * their user channel (rendered in their language, as GET /api/notifications shows it).
 */
export async function enqueue(tx: Queryable, items: OutgoingNotification[]): Promise<void> {
  if (!items.length) return;
  await tx.insert(notifications).values(items);
  const seen = new Set<string>();
  const inbox = items.filter((n) => {
    if (!n.userId) return false;
    const key = `${n.userId}\u0000${n.template}\u0000${JSON.stringify(n.payload)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (!inbox.length) return;
  const rows = await tx.insert(inboxMessages).values(inbox.map((n) => ({ userId: n.userId!, template: n.template, payload: n.payload }))).returning();
  const readers = await tx
    .select({ id: users.id, locale: users.locale })
    .from(users)
    .where(inArray(users.id, [...new Set(rows.map((r) => r.userId))]));
  const localeOf = new Map(readers.map((r) => [r.id, r.locale]));
  await recordEvents(
    tx,
    rows.map((r) => ({ type: 'notification.created', userId: r.userId, data: inboxView(r, localeOf.get(r.userId) ?? 'en') })),
  );
}
