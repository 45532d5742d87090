// Which transport delivers each channel, from the configuration: SMTP (SMTP_URL) for email and
// Africa's Talking (AFRICASTALKING_*) for SMS when configured; otherwise NOTIFY_TRANSPORT's file or
// log transport, so the embedded default needs no outside service.
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { AppContext } from '../../context.ts';
import { africasTalkingTransport } from './channels/africas-talking.ts';
import { smtpTransport } from './channels/smtp.ts';
import { fileTransport, logTransport, type Transport } from './dispatcher.ts';

export function transportFor(ctx: AppContext, log: FastifyBaseLogger): Transport & { close(): void } {
  const n = ctx.config.notifications;
  const local = n.transport === 'file' ? fileTransport(path.join(ctx.config.dataDir, 'outbox'), log) : logTransport(log);
  const email = n.smtpUrl ? smtpTransport(n.smtpUrl, n.from) : undefined;
  const sms = n.africasTalking ? africasTalkingTransport(n.africasTalking) : local;
  const route: Transport = (d) => (d.channel === 'email' ? (email ?? local) : d.channel === 'sms' ? sms : local)(d);
  return Object.assign(route, { close: () => email?.close() });
}
