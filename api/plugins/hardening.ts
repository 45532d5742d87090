import cors from '@fastify/cors';
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';
import type { Config } from '../config.ts';
import { HttpProblem } from '../errors.ts';

/**
 * The usual HTTP hardening, from maintained plugins: security headers (helmet), the browser origins
 * allowed to call the API (cors), and load shedding (under-pressure). Registered before any route.
 */
export async function registerHardening(app: FastifyInstance, config: Config): Promise<void> {
  // helmet itself, its middleware built once. @fastify/helmet builds it again on every request
  // (parsing the CSP directives each time), which cost 9 % of the API's time on GET /health.
  const securityHeaders = helmet({
    // The API answers JSON; its only HTML is the sandbox checkout and payment return pages (inline
    // <style>, plain form posts, no script). Nothing may load by default, frame it, or set a base.
    // form-action stays open: the checkout's form redirects to the partner's return URL.
    // /docs (Swagger UI) sets a policy of its own (app.ts).
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        styleSrc: ["'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
      },
    },
    // Partner web apps read responses across origins through CORS, which CORP does not restrict.
    crossOriginResourcePolicy: { policy: 'same-site' },
  });
  app.addHook('onRequest', (request, reply, done) => securityHeaders(request.raw, reply.raw, (err) => done(err as Error | undefined)));

  // Only the listed origins; tokens travel in Authorization, never cookies, so no credentials mode.
  await app.register(cors, {
    origin: config.corsOrigins.length ? config.corsOrigins : false,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'],
    exposedHeaders: ['Retry-After', 'X-Request-Id', 'Idempotent-Replayed', 'Location'],
    maxAge: 600,
  });

  const shed = config.loadShedding;
  await app.register(underPressure, {
    maxEventLoopDelay: shed.maxEventLoopDelayMs,
    maxEventLoopUtilization: shed.maxEventLoopUtilization,
    maxHeapUsedBytes: shed.maxHeapUsedBytes,
    maxRssBytes: shed.maxRssBytes,
    retryAfter: shed.retryAfterSeconds,
    // A rejected promise goes to the error handler, which answers with the problem.
    pressureHandler: async (_req, _reply, type) => {
      throw new HttpProblem(503, 'overloaded', 'Service overloaded', `The server is overloaded (${type}); retry in ${shed.retryAfterSeconds} s`, undefined, undefined, {
        'retry-after': String(shed.retryAfterSeconds),
      });
    },
  });
}
