import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { tooManyRequests } from '../../errors.ts';
import type { Body, SomeHandlers } from '../../openapi/contract.ts';
import { currentUser } from '../../plugins/auth.ts';
import { userView } from '../users/views.ts';
import * as auth from './service.ts';

export function authHandlers(app: FastifyInstance, ctx: AppContext) {
  const { perAccount, perAddress, windowSeconds } = ctx.config.loginLimits;
  // Per address stops one client spraying many accounts; per account stops many clients (a
  // botnet) guessing one password. Both windows count every attempt.
  const limiters = [
    app.createRateLimit({ max: perAddress, timeWindow: windowSeconds * 1000, keyGenerator: (req) => `login-ip:${req.ip}` }),
    app.createRateLimit({
      max: perAccount,
      timeWindow: windowSeconds * 1000,
      keyGenerator: (req) => `login-account:${String((req.body as Body<'login'>).email).trim().toLowerCase()}`,
    }),
  ];
  const limitLogins = async (req: FastifyRequest) => {
    for (const limiter of limiters) {
      const outcome = await limiter(req);
      if (!outcome.isAllowed && outcome.isExceeded) throw tooManyRequests(outcome.ttlInSeconds, 'Too many sign-in attempts');
    }
  };
  return {
    register: async (req, reply) => reply.code(201).send(await auth.register(ctx, req.body)),
    login: {
      options: { preHandler: limitLogins },
      handler: async (req) => {
        const { email, password } = req.body;
        return auth.login(ctx, email, password);
      },
    },
    refreshSession: async (req) => auth.refresh(ctx, req.body.refreshToken),
    logout: async (req, reply) => {
      await auth.logout(ctx, req.body.refreshToken);
      return reply.code(204).send();
    },
    // The auth hook has just read this user: no second query on the most frequent call.
    getMe: async (req) => {
      currentUser(req);
      return userView(req.account!);
    },
  } satisfies SomeHandlers;
}
