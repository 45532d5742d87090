import type { Transport } from '../client.ts';
import { paginate } from '../paginate.ts';
import type { InboxMessage, InboxPage, InboxQuery, NotificationSettings, OutboxNotification, OutboxPage, OutboxQuery } from '../types.ts';

/** The signed-in user's in-app notifications and their language and channel choices. */
export class NotificationsResource {
  constructor(private readonly t: Transport) {}

  /** Newest first, with the total `unread`; `{ unread: true }` for only the unread ones. */
  inbox(query: InboxQuery = {}): Promise<InboxPage> {
    return this.t.call('get', '/api/notifications', { query });
  }

  markRead(id: string): Promise<InboxMessage> {
    return this.t.call('post', '/api/notifications/{id}/read', { path: { id } });
  }

  settings(): Promise<NotificationSettings> {
    return this.t.call('get', '/api/users/me/notification-settings', {});
  }

  /** `locale`: en or sn (Shona); `channels`: any of email, sms, in_app (in_app is always kept). */
  updateSettings(settings: NotificationSettings): Promise<NotificationSettings> {
    return this.t.call('put', '/api/users/me/notification-settings', { body: settings });
  }
}

/** The outbox (admin): what was sent, what waits, the dead letters, and resending. */
export class AdminNotificationsResource {
  constructor(private readonly t: Transport) {}

  list(query: OutboxQuery = {}): Promise<OutboxPage> {
    return this.t.call('get', '/api/admin/notifications', { query });
  }

  iterate(query: OutboxQuery = {}): AsyncIterable<OutboxNotification> {
    const { cursor, ...rest } = query;
    return paginate((next) => this.list({ ...rest, cursor: next }), cursor);
  }

  /** Queues it again with fresh attempts; ApiError 409 while it is still queued or being sent. */
  resend(id: string): Promise<OutboxNotification> {
    return this.t.call('post', '/api/admin/notifications/{id}/resend', { path: { id } });
  }
}
