import { and, count, eq, isNull, sql, type SQL } from 'drizzle-orm';
import type { Queryable } from '../../db/client.ts';
import { encodeCursor, keyset, page, type SortKey } from '../../db/pagination.ts';
import { inboxMessages, notifications, users } from '../../db/schema.ts';
import { conflict, notFound } from '../../errors.ts';
import type { Body, Query } from '../../openapi/contract.ts';
import { render, type Locale } from './templates.ts';

type InboxRow = typeof inboxMessages.$inferSelect;
type OutboxRow = typeof notifications.$inferSelect;

/** A message of the in-app inbox as the API shows it, rendered in its reader's language. */
export const inboxView = (m: InboxRow, locale: Locale) => ({
  id: m.id,
  template: m.template,
  ...render(m.template, m.payload, locale),
  readAt: m.readAt?.toISOString() ?? null,
  createdAt: m.createdAt.toISOString(),
});

const outboxView = (n: OutboxRow) => ({
  id: n.id,
  userId: n.userId,
  channel: n.channel,
  recipient: n.recipient,
  template: n.template,
  status: n.status,
  attempts: n.attempts,
  lastError: n.lastError,
  nextAttemptAt: n.nextAttemptAt.toISOString(),
  createdAt: n.createdAt.toISOString(),
  sentAt: n.sentAt?.toISOString() ?? null,
});

const newestFirst = (column: typeof inboxMessages.createdAt | typeof notifications.createdAt): SortKey => ({
  expr: sql`extract(epoch from ${column})::float8`,
  type: 'float8',
  direction: 'desc',
});

export async function listInbox(db: Queryable, user: { id: string; locale: Locale }, query: Query<'listInbox'>) {
  const mine = eq(inboxMessages.userId, user.id);
  const conditions: SQL[] = [mine];
  if (query.unread) conditions.push(isNull(inboxMessages.readAt));
  const sort = newestFirst(inboxMessages.createdAt);
  const { where, order } = keyset(sort, inboxMessages.id, query.cursor);
  if (where) conditions.push(where);
  const rows = await db
    .select({ message: inboxMessages, key: sql<number>`${sort.expr}` })
    .from(inboxMessages)
    .where(and(...conditions))
    .orderBy(order)
    .limit(query.limit + 1);
  const [{ unread }] = (await db.select({ unread: count() }).from(inboxMessages).where(and(mine, isNull(inboxMessages.readAt)))) as [{ unread: number }];
  const result = page(rows, query.limit, (r) => encodeCursor(Number(r.key), r.message.id));
  return { items: result.items.map((r) => inboxView(r.message, user.locale)), nextCursor: result.nextCursor, unread: Number(unread) };
}

export async function markInboxRead(db: Queryable, user: { id: string; locale: Locale }, id: string) {
  const [row] = await db
    .update(inboxMessages)
    .set({ readAt: sql`coalesce(${inboxMessages.readAt}, now())` })
    .where(and(eq(inboxMessages.id, id), eq(inboxMessages.userId, user.id)))
    .returning();
  if (!row) throw notFound(`Notification ${id}`);
  return inboxView(row, user.locale);
}

export const settingsView = (u: { locale: Locale; notificationChannels: ('email' | 'sms' | 'in_app')[] }) => ({
  locale: u.locale,
  channels: u.notificationChannels,
});

export async function updateSettings(db: Queryable, userId: string, input: Body<'updateNotificationSettings'>) {
  // The inbox is where the app shows what happened: it stays on whatever is chosen.
  const channels = [...new Set([...input.channels, 'in_app' as const])];
  const [row] = await db
    .update(users)
    .set({ locale: input.locale, notificationChannels: channels, updatedAt: new Date() })
    .where(eq(users.id, userId))
    .returning();
  return settingsView(row!);
}

export async function listOutbox(db: Queryable, query: Query<'listNotifications'>) {
  const conditions: SQL[] = [];
  if (query.status) conditions.push(eq(notifications.status, query.status));
  if (query.channel) conditions.push(eq(notifications.channel, query.channel));
  if (query.userId) conditions.push(eq(notifications.userId, query.userId));
  const sort = newestFirst(notifications.createdAt);
  const { where, order } = keyset(sort, notifications.id, query.cursor);
  if (where) conditions.push(where);
  const rows = await db
    .select({ n: notifications, key: sql<number>`${sort.expr}` })
    .from(notifications)
    .where(and(...conditions))
    .orderBy(order)
    .limit(query.limit + 1);
  const result = page(rows, query.limit, (r) => encodeCursor(Number(r.key), r.n.id));
  return { items: result.items.map((r) => outboxView(r.n)), nextCursor: result.nextCursor };
}

/** Back to the queue with fresh attempts; refused while it is still waiting or being sent. */
export async function resend(db: Queryable, id: string) {
  const [row] = await db
    .update(notifications)
    .set({ status: 'queued', attempts: 0, lastError: null, nextAttemptAt: new Date(), leaseUntil: null, sentAt: null })
    .where(and(eq(notifications.id, id), sql`${notifications.status} in ('failed', 'sent', 'skipped')`))
    .returning();
  if (row) return outboxView(row);
  const [current] = await db.select({ status: notifications.status }).from(notifications).where(eq(notifications.id, id));
  if (!current) throw notFound(`Notification ${id}`);
  throw conflict(`Notification ${id} is ${current.status}; it will be sent without a resend`, { currentState: current.status });
}
