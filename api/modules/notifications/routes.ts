import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import type { SomeHandlers } from '../../openapi/contract.ts';
import { currentUser } from '../../plugins/auth.ts';
import * as notifications from './service.ts';

/** The auth hook has read the caller's row: its language is at hand without another query. */
const reader = (req: FastifyRequest) => ({ id: currentUser(req).id, locale: req.account!.locale });

export function notificationHandlers(ctx: AppContext) {
  return {
    listInbox: async (req) => notifications.listInbox(ctx.db, reader(req), req.query),
    markInboxRead: async (req) => notifications.markInboxRead(ctx.db, reader(req), req.params.id),
    getNotificationSettings: async (req) => notifications.settingsView(req.account!),
    updateNotificationSettings: async (req) => notifications.updateSettings(ctx.db, currentUser(req).id, req.body),
    listNotifications: async (req) => notifications.listOutbox(ctx.db, req.query),
    resendNotification: async (req) => notifications.resend(ctx.db, req.params.id),
  } satisfies SomeHandlers;
}
