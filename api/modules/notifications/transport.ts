// Which transport delivers notifications, from the configuration (NOTIFY_TRANSPORT).
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { AppContext } from '../../context.ts';
import { fileTransport, logTransport, type Transport } from './dispatcher.ts';

export function transportFor(ctx: AppContext, log: FastifyBaseLogger): Transport {
  return ctx.config.notifications.transport === 'file'
    ? fileTransport(path.join(ctx.config.dataDir, 'outbox'), log)
    : logTransport(log);
}
