import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyInstance {
    /** Resolves when every handler that started has produced its reply. */
    drained(timeoutMs: number): Promise<boolean>;
  }
  interface FastifyRequest {
    counted?: boolean;
  }
}

/**
 * Counts requests whose handler is still running. Closing the server stops new requests, but a
 * client that hung up leaves its handler running; the database must stay open until it finishes.
 */
export function registerInFlight(app: FastifyInstance): void {
  let inFlight = 0;
  app.addHook('onRequest', (request, _reply, done) => {
    // A WebSocket upgrade becomes a connection, never a reply: closing the app closes it (1001).
    if (request.headers.upgrade?.toLowerCase() !== 'websocket') {
      request.counted = true;
      inFlight += 1;
    }
    done();
  });
  app.addHook('onSend', (request, _reply, payload, done) => {
    if (request.counted) {
      request.counted = false;
      inFlight -= 1;
    }
    done(null, payload);
  });
  app.decorate('drained', async (timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    return inFlight === 0;
  });
}
