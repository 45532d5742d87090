import { and, eq } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { chatImages } from '../../db/schema.ts';
import { badRequest } from '../../errors.ts';
import type { AuthUser } from '../../plugins/auth.ts';
import type { ImageMediaType } from '../../plugins/raw-bodies.ts';
import { imageStore } from '../images/store.ts';
import { sniffImageType } from '../images/sniff.ts';
import { assertNotMuted, chatAccess } from './access.ts';

function imageView(row: typeof chatImages.$inferSelect) {
  return { id: row.id, url: row.url, contentType: row.contentType as ImageMediaType, bytes: row.bytes, createdAt: row.createdAt.toISOString() };
}

/**
 * Stores an image for a group's chat, for whoever may post there (and is not muted). The bytes are
 * checked to be what the header says, stored (no lock is held meanwhile), then recorded as the
 * uploader's in this group: the only place a message may attach it.
 */
export async function uploadChatImage(ctx: AppContext, viewer: AuthUser, groupId: string, data: Buffer, declared: ImageMediaType) {
  const access = await chatAccess(ctx.db, viewer, groupId);
  await assertNotMuted(ctx.db, access);
  const actual = sniffImageType(data);
  if (!actual) throw badRequest('body', 'is not a PNG, JPEG or WebP image (checked by its first bytes)');
  if (actual !== declared) throw badRequest('body', `is a ${actual} image, sent as ${declared}`);
  const stored = await imageStore(ctx.config).put({ data, contentType: actual });
  const [row] = await ctx.db
    .insert(chatImages)
    .values({ groupId, uploaderId: viewer.id, key: stored.key, url: stored.url, contentType: stored.contentType, bytes: stored.bytes })
    .returning();
  return imageView(row!);
}

/** The image a message attaches: one this user uploaded to this group's chat, else a field error. */
export async function attachedImage(ctx: AppContext, viewer: AuthUser, groupId: string, imageId: string): Promise<{ id: string; url: string }> {
  const [row] = await ctx.db
    .select({ id: chatImages.id, url: chatImages.url })
    .from(chatImages)
    .where(and(eq(chatImages.id, imageId), eq(chatImages.groupId, groupId), eq(chatImages.uploaderId, viewer.id)));
  if (!row) throw badRequest('body.imageId', 'is not an image you uploaded to this chat (POST /api/groups/{id}/chat/images)');
  return row;
}
