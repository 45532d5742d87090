import { and, asc, eq, gt, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Queryable } from '../../db/client.ts';
import { encodeCursor, keyset, page, type SortKey } from '../../db/pagination.ts';
import { chatMessages, chatMutes, chatReports, groups, users } from '../../db/schema.ts';
import { conflict, notFound } from '../../errors.ts';
import type { Body, Query, Schemas } from '../../openapi/contract.ts';
import type { AuthUser } from '../../plugins/auth.ts';
import { recordEvent } from '../events/domain-events.ts';
import { chatAccess } from './access.ts';
import { messageView, readMessages, selectMessages } from './views.ts';

async function readMessage(db: Queryable, id: string) {
  const [read] = await readMessages(db, eq(chatMessages.id, id));
  if (!read) throw notFound(`Chat message ${id}`);
  return read;
}

/**
 * Hides a message (inside the caller's transaction): its text and image are kept for the
 * moderators, its open reports are resolved as hidden, and subscribers are told it is hidden.
 * Returns false when it already was.
 */
async function hideInTx(tx: Queryable, admin: AuthUser, id: string, reason: string): Promise<boolean> {
  const [hidden] = await tx
    .update(chatMessages)
    .set({ hiddenAt: new Date(), hiddenBy: admin.id, hiddenReason: reason })
    .where(and(eq(chatMessages.id, id), isNull(chatMessages.hiddenAt)))
    .returning({ groupId: chatMessages.groupId, hiddenAt: chatMessages.hiddenAt });
  if (!hidden) return false;
  await tx
    .update(chatReports)
    .set({ status: 'resolved', resolution: 'hidden', resolutionNote: reason, resolvedBy: admin.id, resolvedAt: new Date() })
    .where(and(eq(chatReports.messageId, id), eq(chatReports.status, 'open')));
  // No reason in the event: every reader of the group's channel receives it, and only admins see why.
  await recordEvent(tx, {
    type: 'chat.hidden',
    groupId: hidden.groupId,
    userId: admin.id,
    data: { id, groupId: hidden.groupId, hidden: true, hiddenAt: hidden.hiddenAt!.toISOString() },
  });
  return true;
}

export async function hideMessage(db: Queryable, admin: AuthUser, id: string, input: Body<'hideChatMessage'>) {
  return db.transaction(async (tx) => {
    const before = await readMessage(tx, id);
    if (before.message.hiddenAt) throw conflict(`Chat message ${id} is already hidden`, { hiddenAt: before.message.hiddenAt.toISOString() });
    await hideInTx(tx, admin, id, input.reason.trim());
    const read = await readMessage(tx, id);
    return messageView(read.message, read.author, true);
  });
}

// ---- mutes ----------------------------------------------------------------------------------------------

const muteView = (m: typeof chatMutes.$inferSelect, userName: string): Schemas['ChatMute'] => ({
  groupId: m.groupId,
  userId: m.userId,
  userName,
  until: m.until.toISOString(),
  reason: m.reason,
  mutedBy: m.mutedBy,
  createdAt: m.createdAt.toISOString(),
});

async function assertGroup(db: Queryable, groupId: string) {
  const [g] = await db.select({ id: groups.id }).from(groups).where(eq(groups.id, groupId));
  if (!g) throw notFound(`Group ${groupId}`);
}

async function userName(db: Queryable, userId: string): Promise<string> {
  const [u] = await db.select({ name: users.name }).from(users).where(eq(users.id, userId));
  if (!u) throw notFound(`User ${userId}`);
  return u.name;
}

export async function muteUser(db: Queryable, admin: AuthUser, groupId: string, userId: string, input: Body<'muteChatUser'>) {
  await assertGroup(db, groupId);
  const name = await userName(db, userId);
  const until = new Date(Date.now() + input.minutes * 60_000);
  const values = { groupId, userId, until, reason: input.reason?.trim() ?? null, mutedBy: admin.id, createdAt: new Date() };
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(chatMutes)
      .values(values)
      .onConflictDoUpdate({ target: [chatMutes.groupId, chatMutes.userId], set: { until, reason: values.reason, mutedBy: admin.id, createdAt: values.createdAt } })
      .returning();
    // The muted user's own clients learn it at once (and why), without asking.
    await recordEvent(tx, { type: 'chat.muted', groupId, userId, data: { groupId, userId, until: until.toISOString(), reason: values.reason } });
    return muteView(row!, name);
  });
}

export async function unmuteUser(db: Queryable, groupId: string, userId: string): Promise<void> {
  await assertGroup(db, groupId);
  await userName(db, userId);
  await db.delete(chatMutes).where(and(eq(chatMutes.groupId, groupId), eq(chatMutes.userId, userId)));
}

export async function listMutes(db: Queryable, groupId: string) {
  await assertGroup(db, groupId);
  const rows = await db
    .select({ mute: chatMutes, name: users.name })
    .from(chatMutes)
    .innerJoin(users, eq(users.id, chatMutes.userId))
    .where(and(eq(chatMutes.groupId, groupId), gt(chatMutes.until, sql`now()`)))
    .orderBy(asc(chatMutes.until));
  return { items: rows.map((r) => muteView(r.mute, r.name)) };
}

// ---- reports --------------------------------------------------------------------------------------------

const reporters = alias(users, 'chat_reporter');
type ReportRow = typeof chatReports.$inferSelect;

async function reportViews(db: Queryable, rows: { report: ReportRow; reporterName: string }[]): Promise<Schemas['ChatReport'][]> {
  if (!rows.length) return [];
  const ids = [...new Set(rows.map((r) => r.report.messageId))];
  const messages = await readMessages(db, inArray(chatMessages.id, ids));
  const byId = new Map(messages.map((m) => [m.message.id, m]));
  return rows.map(({ report, reporterName }) => {
    const m = byId.get(report.messageId)!;
    return {
      id: report.id,
      groupId: report.groupId,
      message: messageView(m.message, m.author, true),
      reporter: { id: report.reporterId, name: reporterName },
      reason: report.reason,
      status: report.status,
      resolution: report.resolution,
      resolutionNote: report.resolutionNote,
      resolvedAt: report.resolvedAt?.toISOString() ?? null,
      createdAt: report.createdAt.toISOString(),
    };
  });
}

async function readReport(db: Queryable, id: string) {
  const [row] = await db
    .select({ report: chatReports, reporterName: reporters.name })
    .from(chatReports)
    .innerJoin(reporters, eq(reporters.id, chatReports.reporterId))
    .where(eq(chatReports.id, id));
  if (!row) throw notFound(`Chat report ${id}`);
  return row;
}

export async function reportMessage(db: Queryable, viewer: AuthUser, messageId: string, input: Body<'reportChatMessage'>) {
  const [target] = await selectMessages(db).where(eq(chatMessages.id, messageId));
  if (!target) throw notFound(`Chat message ${messageId}`);
  // Reporting takes what reading takes: someone outside the group cannot tell a message exists.
  await chatAccess(db, viewer, target.message.groupId);
  if (target.message.hiddenAt) throw conflict(`Chat message ${messageId} is already hidden`);
  const [row] = await db
    .insert(chatReports)
    .values({ messageId, groupId: target.message.groupId, reporterId: viewer.id, reason: input.reason.trim() })
    .onConflictDoNothing()
    .returning({ id: chatReports.id });
  if (!row) throw conflict('You have already reported this message; a moderator will look at it');
  const [view] = await reportViews(db, [await readReport(db, row.id)]);
  return view!;
}

const reportsNewestFirst: SortKey = { expr: sql`${chatReports.createdAt}`, type: 'timestamptz', direction: 'desc' };

export async function listReports(db: Queryable, query: Query<'listChatReports'>) {
  const conditions: SQL[] = [eq(chatReports.status, query.status)];
  if (query.groupId) conditions.push(eq(chatReports.groupId, query.groupId));
  const { where, order } = keyset(reportsNewestFirst, chatReports.id, query.cursor);
  if (where) conditions.push(where);
  const rows = await db
    .select({ report: chatReports, reporterName: reporters.name })
    .from(chatReports)
    .innerJoin(reporters, eq(reporters.id, chatReports.reporterId))
    .where(and(...conditions))
    .orderBy(order)
    .limit(query.limit + 1);
  const result = page(rows, query.limit, (r) => encodeCursor(r.report.createdAt.toISOString(), r.report.id));
  return { items: await reportViews(db, result.items), nextCursor: result.nextCursor };
}

export async function resolveReport(db: Queryable, admin: AuthUser, id: string, input: Body<'resolveChatReport'>) {
  return db.transaction(async (tx) => {
    const { report } = await readReport(tx, id);
    if (report.status !== 'open') throw conflict(`Chat report ${id} is already resolved (${report.resolution})`, { currentState: report.status });
    const note = input.note?.trim() ?? null;
    if (input.action === 'hide') {
      // Hiding resolves every open report about the message, this one included. A message an
      // admin hid meanwhile (by itself) has nothing left to hide; the report is resolved as hidden.
      const hid = await hideInTx(tx, admin, report.messageId, note ?? report.reason);
      if (!hid) {
        await tx
          .update(chatReports)
          .set({ status: 'resolved', resolution: 'hidden', resolutionNote: note, resolvedBy: admin.id, resolvedAt: new Date() })
          .where(eq(chatReports.id, id));
      }
    } else {
      await tx
        .update(chatReports)
        .set({ status: 'resolved', resolution: 'dismissed', resolutionNote: note, resolvedBy: admin.id, resolvedAt: new Date() })
        .where(eq(chatReports.id, id));
    }
    const [view] = await reportViews(tx, [await readReport(tx, id)]);
    return view!;
  });
}
