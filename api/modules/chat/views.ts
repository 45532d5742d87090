import { eq, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Queryable } from '../../db/client.ts';
import { chatMessages, supplierMembers, suppliers, users } from '../../db/schema.ts';
import type { Schemas } from '../../openapi/contract.ts';

export type MessageRow = typeof chatMessages.$inferSelect;
export type AuthorRow = { id: string; name: string; role: Schemas['Role']; organisation: string | null };

const authors = alias(users, 'chat_author');

/** A message with its author, as read for a view: the author's name, role and organisation. */
export function selectMessages(db: Queryable) {
  return db
    .select({
      message: chatMessages,
      author: { id: authors.id, name: authors.name, role: authors.role, organisation: suppliers.name },
    })
    .from(chatMessages)
    .innerJoin(authors, eq(authors.id, chatMessages.authorId))
    .leftJoin(supplierMembers, eq(supplierMembers.userId, authors.id))
    .leftJoin(suppliers, eq(suppliers.id, supplierMembers.supplierId))
    .$dynamic();
}

export async function readMessages(db: Queryable, where: SQL) {
  return selectMessages(db).where(where);
}

/**
 * What a reader sees. A hidden message keeps its place in the history but loses its text and image,
 * except for admins, who moderate it and may need to see what was hidden and why.
 */
export function messageView(m: MessageRow, author: AuthorRow, forAdmin: boolean): Schemas['ChatMessage'] {
  const hidden = m.hiddenAt !== null;
  const showContent = !hidden || forAdmin;
  return {
    id: m.id,
    groupId: m.groupId,
    author: { id: author.id, name: author.name, role: author.role, organisation: author.organisation },
    text: showContent ? m.text : null,
    image: showContent && m.imageId && m.imageUrl ? { id: m.imageId, url: m.imageUrl } : null,
    hidden,
    hiddenReason: hidden && forAdmin ? m.hiddenReason : null,
    hiddenAt: m.hiddenAt?.toISOString() ?? null,
    createdAt: m.createdAt.toISOString(),
  };
}
