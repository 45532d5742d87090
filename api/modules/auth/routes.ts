import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { tooManyRequests } from '../../errors.ts';
import type { Handlers } from '../../openapi/bind.ts';
import { currentUser } from '../../plugins/auth.ts';
import { findUser } from '../users/service.ts';
import { userView } from '../users/views.ts';
import * as auth from './service.ts';

interface Credentials {
  email: string;
  password: string;
}

export function authHandlers(app: FastifyInstance, ctx: AppContext): Handlers {
  const { perAccount, perAddress, windowSeconds } = ctx.config.loginLimits;
  const limit = (max: number, keyGenerator: (req: { body: unknown; ip: string }) => string) =>
    app.rateLimit({
      max,
      timeWindow: windowSeconds * 1000,
      keyGenerator: keyGenerator as never,
      errorResponseBuilder: (_req, c) => tooManyRequests(Math.ceil(c.ttl / 1000), 'Too many sign-in attempts'),
    });
  return {
    register: async (req, reply) => reply.code(201).send(await auth.register(ctx, req.body as auth.RegisterInput)),
    login: {
      // Per address stops one client spraying many accounts; per account stops many clients
      // (a botnet) guessing one password.
      options: {
        preHandler: [
          limit(perAddress, (req) => `login-ip:${req.ip}`),
          limit(perAccount, (req) => `login-account:${String((req.body as Credentials).email).toLowerCase()}`),
        ],
      },
      handler: async (req) => {
        const { email, password } = req.body as Credentials;
        return auth.login(ctx, email, password);
      },
    },
    refreshSession: async (req) => auth.refresh(ctx, (req.body as { refreshToken: string }).refreshToken),
    logout: async (req, reply) => {
      await auth.logout(ctx, (req.body as { refreshToken: string }).refreshToken);
      return reply.code(204).send();
    },
    getMe: async (req) => userView(await findUser(ctx.db, currentUser(req).id)),
  };
}
