import type { Transport } from '../client.ts';
import { paginate } from '../paginate.ts';
import type {
  ChatImageUpload,
  ChatMessage,
  ChatMessageCreate,
  ChatMessagePage,
  ChatMessageQuery,
  ChatMute,
  ChatMuteList,
  ChatReport,
  ChatReportPage,
  ChatReportQuery,
  ChatReportResolve,
  ImageType,
} from '../types.ts';

/** Moderating group chats (role admin): hiding messages, muting people, handling reports. */
export class ChatModerationResource {
  constructor(private readonly t: Transport) {}

  /** Hides a message with a reason; others see it as hidden. ApiError 409 when it already is. */
  hide(messageId: string, reason: string): Promise<ChatMessage> {
    return this.t.call('post', '/api/admin/chat/messages/{id}/hide', { path: { id: messageId }, body: { reason } });
  }

  /** Mutes a user in one group's chat for `minutes` (replacing any mute they had there). */
  mute(groupId: string, userId: string, minutes: number, reason?: string): Promise<ChatMute> {
    return this.t.call('put', '/api/admin/groups/{id}/chat/mutes/{userId}', {
      path: { id: groupId, userId },
      body: reason === undefined ? { minutes } : { minutes, reason },
    });
  }

  unmute(groupId: string, userId: string): Promise<void> {
    return this.t.call('delete', '/api/admin/groups/{id}/chat/mutes/{userId}', { path: { id: groupId, userId } });
  }

  /** The mutes in force in a group's chat, ending soonest first. */
  mutes(groupId: string): Promise<ChatMuteList> {
    return this.t.call('get', '/api/admin/groups/{id}/chat/mutes', { path: { id: groupId } });
  }

  /** Reports, newest first: open ones unless `{ status: 'resolved' }`. */
  reports(query: ChatReportQuery = {}): Promise<ChatReportPage> {
    return this.t.call('get', '/api/admin/chat/reports', { query });
  }

  iterateReports(query: ChatReportQuery = {}): AsyncIterable<ChatReport> {
    const { cursor, ...rest } = query;
    return paginate((next) => this.reports({ ...rest, cursor: next }), cursor);
  }

  /** `hide` hides the message (and resolves its other open reports); `dismiss` leaves it. */
  resolve(reportId: string, resolution: ChatReportResolve): Promise<ChatReport> {
    return this.t.call('post', '/api/admin/chat/reports/{id}/resolve', { path: { id: reportId }, body: resolution });
  }
}

/**
 * A group's chat, for its participants, the organisation selling its product and admins. New
 * messages arrive live as `chat.message` events on the group's realtime channel.
 */
export class ChatResource {
  readonly moderation: ChatModerationResource;

  constructor(private readonly t: Transport) {
    this.moderation = new ChatModerationResource(t);
  }

  /** One page of a group's chat, newest first; pass `nextCursor` back as `cursor` for older ones. */
  history(groupId: string, query: ChatMessageQuery = {}): Promise<ChatMessagePage> {
    return this.t.call('get', '/api/groups/{id}/chat/messages', { path: { id: groupId }, query });
  }

  /** Every message, newest first, back to the first. */
  iterate(groupId: string, query: ChatMessageQuery = {}): AsyncIterable<ChatMessage> {
    const { cursor, ...rest } = query;
    return paginate((next) => this.history(groupId, { ...rest, cursor: next }), cursor);
  }

  /** Uploads an image (PNG, JPEG or WebP bytes) to the group's chat; post it with `{ imageId: image.id }`. */
  uploadImage(groupId: string, image: Uint8Array, contentType: ImageType): Promise<ChatImageUpload> {
    return this.t.request('POST', `/api/groups/${encodeURIComponent(groupId)}/chat/images`, {
      rawBody: { contentType, data: image },
    }) as Promise<ChatImageUpload>;
  }

  /** Posts text, an image uploaded with uploadImage (`imageId`), or both. ApiError 403 with `mutedUntil` when muted, 429 when too fast. */
  post(groupId: string, message: ChatMessageCreate | string): Promise<ChatMessage> {
    const body = typeof message === 'string' ? { text: message } : message;
    return this.t.call('post', '/api/groups/{id}/chat/messages', { path: { id: groupId }, body });
  }

  /** "… is typing": call while the user types; the server records at most one every 3 s. */
  typing(groupId: string): Promise<void> {
    return this.t.call('post', '/api/groups/{id}/chat/typing', { path: { id: groupId } });
  }

  /** Reports a message to the moderators. */
  report(messageId: string, reason: string): Promise<ChatReport> {
    return this.t.call('post', '/api/chat/messages/{id}/report', { path: { id: messageId }, body: { reason } });
  }
}
