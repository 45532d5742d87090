import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { HttpProblem, tooManyRequests } from '../../errors.ts';
import type { Body, SomeHandlers } from '../../openapi/contract.ts';
import { currentUser } from '../../plugins/auth.ts';
import { userView } from '../users/views.ts';
import { LoginThrottle } from './login-throttle.ts';
import { acceptInvite } from '../suppliers/members.ts';
import { registerSupplier } from '../suppliers/organisations.ts';
import * as auth from './service.ts';

export function authHandlers(app: FastifyInstance, ctx: AppContext) {
  const { perAddress, windowSeconds } = ctx.config.loginLimits;
  // Per address (every attempt) stops one client spraying many accounts; the throttle counts
  // failures per account and address, so others' guesses never lock the owner out at theirs.
  const perAddressLimit = app.createRateLimit({ max: perAddress, timeWindow: windowSeconds * 1000, keyGenerator: (req) => `login-ip:${req.ip}` });
  const throttle = new LoginThrottle(ctx.config.loginLimits);
  const accountOf = (req: FastifyRequest) => String((req.body as Body<'login'>).email).trim().toLowerCase();
  const limitLogins = async (req: FastifyRequest) => {
    const outcome = await perAddressLimit(req);
    if (!outcome.isAllowed && outcome.isExceeded) throw tooManyRequests(outcome.ttlInSeconds, 'Too many sign-in attempts');
    const wait = throttle.retryAfter(accountOf(req), req.ip);
    if (wait > 0) throw tooManyRequests(wait, 'Too many failed sign-ins for this account from this address');
  };
  // Registration is limited per address: one client cannot mint accounts by the hundred.
  const registerLimit = app.createRateLimit({
    max: ctx.config.registerLimits.perAddress,
    timeWindow: ctx.config.registerLimits.windowSeconds * 1000,
    keyGenerator: (req) => `register-ip:${req.ip}`,
  });
  const limitRegistrations = async (req: FastifyRequest) => {
    const outcome = await registerLimit(req);
    if (!outcome.isAllowed && outcome.isExceeded) throw tooManyRequests(outcome.ttlInSeconds, 'Too many registrations from this address');
  };
  return {
    register: {
      options: { preHandler: limitRegistrations },
      handler: async (req, reply) => {
        const session = await auth.register(ctx, req.body);
        noStore(reply);
        return reply.code(201).send(session);
      },
    },
    // New accounts through a supplier's registration or invitation count against the same limit.
    registerSupplier: {
      options: { preHandler: limitRegistrations },
      handler: async (req, reply) => {
        const result = await registerSupplier(ctx, req.body);
        noStore(reply);
        return reply.code(201).send(result);
      },
    },
    acceptSupplierInvite: {
      options: { preHandler: limitRegistrations },
      handler: async (req, reply) => {
        const session = await acceptInvite(ctx, req.body);
        noStore(reply);
        return reply.code(201).send(session);
      },
    },
    login: {
      options: { preHandler: limitLogins },
      handler: async (req, reply) => {
        const account = accountOf(req);
        try {
          const session = await auth.login(ctx, account, req.body.password);
          throttle.succeeded(account, req.ip);
          noStore(reply);
          return session;
        } catch (err) {
          if (err instanceof HttpProblem && err.status === 401) throttle.failed(account, req.ip);
          throw err;
        }
      },
    },
    refreshSession: async (req, reply) => {
      const session = await auth.refresh(ctx, req.body.refreshToken);
      noStore(reply);
      return session;
    },
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

/** Responses carrying tokens must not be kept by a browser or any cache on the way (RFC 9111 no-store). */
function noStore(reply: Pick<FastifyReply, 'header'>): void {
  reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
}
