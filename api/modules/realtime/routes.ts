import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { HttpProblem } from '../../errors.ts';
import type { SomeHandlers } from '../../openapi/contract.ts';
import { Connection } from './connection.ts';
import { RealtimeHub } from './hub.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** This process's real-time hub: local subscriptions, fed by LISTEN on the events channel. */
    realtime: RealtimeHub;
  }
}

/**
 * GET /api/ws: the upgrade goes to a Connection (connection.ts); a plain GET is a 426. The hub starts
 * listening when the app is ready and stops when it closes.
 */
export function realtimeHandlers(app: FastifyInstance, ctx: AppContext) {
  const hub = new RealtimeHub(ctx, app.log);
  app.decorate('realtime', hub);
  app.addHook('onReady', () => hub.start());
  // Sockets are told first (app.ts registers @fastify/websocket with a preClose that closes them, 1001).
  app.addHook('onClose', () => hub.stop());
  return {
    openRealtime: {
      handler: async () => {
        throw new HttpProblem(426, 'upgrade-required', 'Upgrade Required', 'GET /api/ws is a WebSocket: send Connection: Upgrade and Upgrade: websocket');
      },
      options: {
        wsHandler: (socket, req) => {
          const token = (req.query as { token?: string }).token;
          new Connection(ctx, hub, socket, req.log, token);
        },
      },
    },
  } satisfies SomeHandlers;
}
