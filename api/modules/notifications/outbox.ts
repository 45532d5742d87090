import type { Queryable } from '../../db/client.ts';
import { notifications } from '../../db/schema.ts';

export type Channel = 'email' | 'sms';

export interface OutgoingNotification {
  userId: string | null;
  channel: Channel;
  recipient: string;
  template: string;
  payload: Record<string, unknown>;
}

/** Queue a notification inside the caller's transaction; the dispatcher delivers it after commit. */
export async function enqueue(tx: Queryable, items: OutgoingNotification[]): Promise<void> {
  if (items.length) await tx.insert(notifications).values(items);
}
