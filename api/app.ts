import { randomUUID } from 'node:crypto';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Config } from './config.ts';
import type { AppContext } from './context.ts';
import { alertHandlers } from './modules/alerts/routes.ts';
import { analyticsHandlers } from './modules/analytics/routes.ts';
import { apiKeyHandlers } from './modules/api-keys/routes.ts';
import { authHandlers } from './modules/auth/routes.ts';
import { catalogHandlers } from './modules/catalog/routes.ts';
import { chatHandlers } from './modules/chat/routes.ts';
import { webhookHandlers } from './modules/webhooks/routes.ts';
import { dashboardHandlers } from './modules/dashboard/routes.ts';
import { groupHandlers } from './modules/groups/routes.ts';
import { mlHandlers } from './modules/ml/routes.ts';
import { stopMl } from './modules/ml/startup.ts';
import { jobHandlers } from './modules/jobs/routes.ts';
import { backupHandlers } from './modules/backups/routes.ts';
import { paymentHandlers } from './modules/payments/routes.ts';
import { qrHandlers } from './modules/qr/routes.ts';
import { realtimeHandlers } from './modules/realtime/routes.ts';
import { registerMetrics } from './modules/system/metrics.ts';
import { supplierHandlers } from './modules/suppliers/routes.ts';
import { supplierCatalogHandlers } from './modules/supplier-catalog/routes.ts';
import { imageHandlers } from './modules/images/routes.ts';
import { ratingHandlers } from './modules/ratings/routes.ts';
import { invoiceHandlers } from './modules/invoices/routes.ts';
import { orderHandlers } from './modules/orders/routes.ts';
import { payoutHandlers } from './modules/payouts/routes.ts';
import { supplierAnalyticsHandlers } from './modules/supplier-analytics/routes.ts';
import { notificationHandlers } from './modules/notifications/routes.ts';
import { systemHandlers } from './modules/system/routes.ts';
import { adminUserHandlers, userHandlers } from './modules/users/routes.ts';
import { bindOperations } from './openapi/bind.ts';
import type { Handlers } from './openapi/contract.ts';
import { loadSpec } from './openapi/spec.ts';
import { registerAuth } from './plugins/auth.ts';
import { registerHardening } from './plugins/hardening.ts';
import { registerInFlight } from './plugins/in-flight.ts';
import { errorSerializer, redactPaths } from './plugins/log-redaction.ts';
import { clientErrorResponse, frameworkProblem, registerNotFound, registerProblems, sendProblem } from './plugins/problems.ts';
import { registerRawBodies } from './plugins/raw-bodies.ts';
import { registerTextInput } from './plugins/text-input.ts';

declare module 'fastify' {
  interface FastifyInstance {
    ctx: AppContext;
    /** "METHOD /url" of every route registered, so a test can hold them against the spec. */
    routeList: string[];
  }
}

// Pickup-pass tokens travel in scan URLs; they hold no personal data, but a log is no place for them.
const requestSerializer = (req: { method: string; url: string; ip?: string }) => ({
  method: req.method,
  // The WebSocket's access token may come as ?token= (GET /api/ws): never logged either.
  url: req.url.replace(/^(\/api\/qr\/scan\/)[^/?]+/, '$1[token]').replace(/([?&]token=)[^&]+/, '$1[token]'),
  remoteAddress: req.ip,
});

/**
 * The server's logger settings: secrets redacted by path, scan tokens out of URLs, and errors
 * without the values of a failed query (log-redaction.ts). A test may pass a stream to read them.
 */
export function logOptions(level: string, stream?: NodeJS.WritableStream) {
  return { level, redact: redactPaths, serializers: { req: requestSerializer, err: errorSerializer }, ...(stream ? { stream } : {}) };
}

/**
 * Fastify takes a list of addresses as it is; a hop count it refuses (it cannot check the peer), so
 * it becomes "trust the nearest n hops": right only when the API is reachable through the proxy alone.
 */
function proxyTrust(setting: Config['trustProxy']): FastifyServerOptions['trustProxy'] {
  return typeof setting === 'number' ? (_address: string, hop: number) => hop < setting : setting;
}

const docsLogo = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="220" height="40" viewBox="0 0 220 40">' +
    '<circle cx="20" cy="20" r="14" fill="none" stroke="#fff" stroke-width="4"/><circle cx="20" cy="20" r="5" fill="#fff"/>' +
    '<text x="44" y="27" font-family="sans-serif" font-size="20" font-weight="700" fill="#fff">ConnectSphere</text></svg>',
);

/** Builds the API: nothing listens until the caller says so (tests use inject). */
export async function buildApp(ctx: AppContext, logger: FastifyServerOptions['logger'] = logOptions(ctx.config.logLevel)): Promise<FastifyInstance> {
  const app = Fastify({
    logger,
    bodyLimit: ctx.config.bodyLimitBytes,
    // A caller's own request id is kept (so partners can correlate), if it is a sane one.
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : randomUUID();
    },
    // Off unless TRUST_PROXY names the proxies in front: otherwise X-Forwarded-For is the client's word.
    trustProxy: proxyTrust(ctx.config.trustProxy),
    // Pickup-pass tokens travel in the path (GET /api/qr/scan/{token}).
    routerOptions: { maxParamLength: 1000 },
    // Errors Fastify raises before routing (bad URL encoding, too-long params) are problems too.
    frameworkErrors: (error, request, reply) => sendProblem(reply, request, frameworkProblem(error)),
    // Requests Node's HTTP parser refuses before there is a request (a control character in a header).
    clientErrorHandler: (error, socket) => {
      if (socket.writable) socket.end(clientErrorResponse(error));
      else socket.destroy();
    },
  });
  app.decorate('ctx', ctx);
  app.decorate('routeList', [] as string[]);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) app.routeList.push(`${method} ${route.url}`);
  });
  // Hooks that do not wait for anything take a callback, not a promise: every request runs them.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  registerInFlight(app);

  // external plugins first, then our own, then routes (the fastify/demo order)
  await registerHardening(app, ctx.config);
  await app.register(rateLimit, { global: false });
  // The sandbox checkout's Pay and Fail buttons are plain HTML form posts. The parser is there for
  // every route, but each operation accepts only the media types its spec lists (bind.ts): 415 elsewhere.
  await app.register(formbody);
  registerRawBodies(app, { imageBytes: ctx.config.images.maxBytes });
  const spec = loadSpec();
  await app.register(swagger, { mode: 'static', specification: { document: spec.document as never } });
  // The CSP Swagger UI ships for its own scripts and styles (all served from /docs), without
  // upgrade-insecure-requests (it would break the page on plain http://127.0.0.1) and without the
  // validator badge, which would fetch an image from validator.swagger.io.
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // Our name in the tab and the top bar, not the plugin's (Swagger UI, the Fastify logo).
    theme: { title: 'ConnectSphere API reference' },
    logo: { type: 'image/svg+xml', content: docsLogo, href: '/docs', target: '_self' },
    uiConfig: { validatorUrl: null },
    staticCSP: true,
    transformStaticCSP: (header) => header.replace(/\s*upgrade-insecure-requests;?/, '').replace(' validator.swagger.io', ''),
  });

  // Real time (GET /api/ws): frames up to 64 KiB from clients (they send small JSON messages); on
  // close every socket is told 1001 so its client reconnects (to another process) and resumes.
  await app.register(websocket, {
    options: { maxPayload: 64 * 1024 },
    preClose(done) {
      for (const client of app.websocketServer.clients) client.close(1001, 'server stopping; reconnect and resume');
      app.websocketServer.close();
      done();
    },
  });

  registerProblems(app);
  registerTextInput(app);
  registerNotFound(app, ctx.config.notFoundPerMinute);
  registerAuth(app, ctx);
  const metrics = registerMetrics(app, ctx.database);

  const handlers: Handlers = {
    ...systemHandlers(app, ctx, metrics),
    ...authHandlers(app, ctx),
    ...userHandlers(ctx),
    ...adminUserHandlers(ctx),
    ...catalogHandlers(ctx),
    ...notificationHandlers(ctx),
    ...supplierHandlers(ctx),
    ...supplierCatalogHandlers(ctx),
    ...imageHandlers(ctx),
    ...ratingHandlers(ctx),
    ...invoiceHandlers(ctx),
    ...orderHandlers(ctx),
    ...payoutHandlers(ctx),
    ...supplierAnalyticsHandlers(ctx),
    ...apiKeyHandlers(ctx),
    ...groupHandlers(ctx),
    ...paymentHandlers(app, ctx),
    ...qrHandlers(ctx),
    ...mlHandlers(ctx),
    ...jobHandlers(ctx),
    ...backupHandlers(ctx),
    ...realtimeHandlers(app, ctx),
    ...chatHandlers(app, ctx),
    ...webhookHandlers(ctx),
    ...dashboardHandlers(ctx),
    ...alertHandlers(ctx),
    ...analyticsHandlers(app, ctx),
  };
  bindOperations(app, spec.operations, handlers);
  // A training in progress is stopped (its worker ended, its run recorded as failed) on close.
  app.addHook('onClose', async () => stopMl(ctx));
  return app;
}
