import type { Queryable } from '../../db/client.ts';
import { inboxMessages, notifications } from '../../db/schema.ts';

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
 * it goes out on.
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
  if (inbox.length) await tx.insert(inboxMessages).values(inbox.map((n) => ({ userId: n.userId!, template: n.template, payload: n.payload })));
}
