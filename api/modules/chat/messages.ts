import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import type { Queryable } from '../../db/client.ts';
import { encodeCursor, keyset, page, type SortKey } from '../../db/pagination.ts';
import { chatMessages } from '../../db/schema.ts';
import type { Body, Query } from '../../openapi/contract.ts';
import type { AuthUser } from '../../plugins/auth.ts';
import { recordEvent } from '../events/domain-events.ts';
import { assertNotMuted, chatAccess } from './access.ts';
import { attachedImage } from './images.ts';
import { messageView, readMessages, selectMessages } from './views.ts';

// Millisecond timestamps (the column's precision) round-trip exactly through the cursor's ISO text.
const newestFirst: SortKey = { expr: sql`${chatMessages.createdAt}`, type: 'timestamptz', direction: 'desc' };

export async function listMessages(db: Queryable, viewer: AuthUser, groupId: string, query: Query<'listChatMessages'>) {
  const access = await chatAccess(db, viewer, groupId);
  const conditions: SQL[] = [eq(chatMessages.groupId, groupId)];
  const { where, order } = keyset(newestFirst, chatMessages.id, query.cursor);
  if (where) conditions.push(where);
  const rows = await selectMessages(db)
    .where(and(...conditions))
    .orderBy(order)
    .limit(query.limit + 1);
  const result = page(rows, query.limit, (r) => encodeCursor(r.message.createdAt.toISOString(), r.message.id));
  return { items: result.items.map((r) => messageView(r.message, r.author, access.isAdmin)), nextCursor: result.nextCursor };
}

export async function postMessage(ctx: AppContext, viewer: AuthUser, groupId: string, input: Body<'postChatMessage'>) {
  const access = await chatAccess(ctx.db, viewer, groupId);
  await assertNotMuted(ctx.db, access);
  const image = input.imageId === undefined ? null : await attachedImage(ctx, viewer, groupId, input.imageId);
  const text = input.text?.trim() ?? null;
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(chatMessages)
      .values({ groupId, authorId: viewer.id, text, imageId: image?.id ?? null, imageUrl: image?.url ?? null })
      .returning({ id: chatMessages.id });
    const [read] = await readMessages(tx, eq(chatMessages.id, row!.id));
    // The event carries what every reader of the chat may see: a new message is never hidden.
    const view = messageView(read!.message, read!.author, false);
    await recordEvent(tx, { type: 'chat.message', groupId, userId: viewer.id, data: view });
    return view;
  });
}

// Typing is ephemeral and arrives with every few keystrokes: one event per user and group per
// window is enough for "… is typing", and keeps the event feed from filling with them. Per process.
const typingWindowMs = 3000;
const lastTyping = new Map<string, number>();

export async function typing(ctx: AppContext, viewer: AuthUser, groupId: string, now = Date.now()): Promise<void> {
  const access = await chatAccess(ctx.db, viewer, groupId);
  await assertNotMuted(ctx.db, access);
  const key = `${groupId}:${viewer.id}`;
  const last = lastTyping.get(key);
  if (last !== undefined && now - last < typingWindowMs) return;
  lastTyping.set(key, now);
  if (lastTyping.size > 10_000) {
    for (const [k, t] of lastTyping) if (now - t >= typingWindowMs) lastTyping.delete(k);
  }
  await recordEvent(ctx.db, { type: 'chat.typing', groupId, userId: viewer.id, data: { groupId, userId: viewer.id, name: viewer.name } });
}
