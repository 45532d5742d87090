import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { AppContext } from '../../context.ts';
import { drainOutbox, fileTransport, logTransport, type Transport } from './dispatcher.ts';

export function transportFor(ctx: AppContext, log: FastifyBaseLogger): Transport {
  return ctx.config.notifications.transport === 'file'
    ? fileTransport(path.join(ctx.config.dataDir, 'outbox'), log)
    : logTransport(log);
}

/** Polls the outbox in the API process. Returns a function that stops it and waits for a drain in flight. */
export function startDispatcher(ctx: AppContext, log: FastifyBaseLogger): () => Promise<void> {
  const interval = ctx.config.notifications.intervalMs;
  if (interval === 0) return async () => {};
  const transport = transportFor(ctx, log);
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running
      .then(() => drainOutbox(ctx.db, transport))
      .catch((err) => log.error({ err }, 'notification delivery failed'));
  }, interval);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
