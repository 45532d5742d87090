import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import type { SomeHandlers } from '../../openapi/contract.ts';
import { currentUser } from '../../plugins/auth.ts';
import { bytesBody, imageMediaTypes, type ImageMediaType } from '../../plugins/raw-bodies.ts';
import { badRequest, tooManyRequests } from '../../errors.ts';
import { uploadChatImage } from './images.ts';
import * as messages from './messages.ts';
import * as moderation from './moderation.ts';

export function chatHandlers(app: FastifyInstance, ctx: AppContext) {
  // Per user (the auth hook has run), across all groups: a flood in one chat or spread over many
  // is the same flood. The counts are per process.
  const postLimit = app.rateLimit({
    max: ctx.config.chat.maxPostsPerMinute,
    timeWindow: '1 minute',
    keyGenerator: (req) => `chat:${req.user?.id ?? req.ip}`,
    errorResponseBuilder: (_req, c) => tooManyRequests(Math.max(1, Math.ceil(c.ttl / 1000)), 'You are posting too fast'),
  });
  return {
    listChatMessages: async (req) => messages.listMessages(ctx.db, currentUser(req), req.params.id, req.query),
    postChatMessage: {
      options: { preHandler: postLimit },
      handler: async (req, reply) => reply.code(201).send(await messages.postMessage(ctx, currentUser(req), req.params.id, req.body)),
    },
    uploadChatImage: {
      options: { preHandler: postLimit },
      handler: async (req, reply) => {
        const data = bytesBody(req.body);
        if (!data) throw badRequest('body', 'send the image itself as the body (image/png, image/jpeg or image/webp)');
        const declared = req.headers['content-type']!.split(';')[0]!.trim().toLowerCase() as ImageMediaType;
        if (!imageMediaTypes.includes(declared)) throw badRequest('headers.content-type', 'must be image/png, image/jpeg or image/webp');
        return reply.code(201).send(await uploadChatImage(ctx, currentUser(req), req.params.id, data, declared));
      },
    },
    sendChatTyping: async (req, reply) => {
      await messages.typing(ctx, currentUser(req), req.params.id);
      return reply.code(204).send();
    },
    reportChatMessage: async (req, reply) => reply.code(201).send(await moderation.reportMessage(ctx.db, currentUser(req), req.params.id, req.body)),
    hideChatMessage: async (req) => moderation.hideMessage(ctx.db, currentUser(req), req.params.id, req.body),
    listChatMutes: async (req) => moderation.listMutes(ctx.db, req.params.id),
    muteChatUser: async (req) => moderation.muteUser(ctx.db, currentUser(req), req.params.id, req.params.userId, req.body),
    unmuteChatUser: async (req, reply) => {
      await moderation.unmuteUser(ctx.db, req.params.id, req.params.userId);
      return reply.code(204).send();
    },
    listChatReports: async (req) => moderation.listReports(ctx.db, req.query),
    resolveChatReport: async (req) => moderation.resolveReport(ctx.db, currentUser(req), req.params.id, req.body),
  } satisfies SomeHandlers;
}
