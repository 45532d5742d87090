import fs from 'node:fs';
import path from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../../db/client.ts';
import { idIn } from '../../db/id-lists.ts';
import { notifications, users } from '../../db/schema.ts';
import { render, type Locale } from './templates.ts';

export interface Delivery {
  id: string;
  channel: string;
  recipient: string;
  subject: string;
  text: string;
}

export type Transport = (delivery: Delivery) => Promise<void>;

/** Writes each message to the log: enough to see what would be sent, with no outside service. */
export const logTransport =
  (log: FastifyBaseLogger): Transport =>
  async (d) => {
    log.info({ notification: { id: d.id, channel: d.channel, recipient: d.recipient, subject: d.subject } }, 'notification delivered');
  };

/** Appends each message as a JSON line to DATA_DIR/outbox/<channel>.log (one file per channel). */
export const fileTransport =
  (dir: string, log: FastifyBaseLogger): Transport =>
  async (d) => {
    await fs.promises.mkdir(dir, { recursive: true });
    await fs.promises.appendFile(path.join(dir, `${d.channel}.log`), `${JSON.stringify({ ...d, at: new Date().toISOString() })}\n`);
    await logTransport(log)(d);
  };

export interface DispatchOptions {
  batch?: number;
  /** Attempts before a notification is a dead letter (status failed). */
  maxAttempts?: number;
  /** The wait before the first retry; each further retry waits twice as long (capped at a day). */
  retryBaseSeconds?: number;
  /** How long a claim lasts; a dispatcher that died mid-send is taken over after it. */
  leaseSeconds?: number;
}

const defaults = { batch: 50, maxAttempts: 6, retryBaseSeconds: 30, leaseSeconds: 120 };

/** Seconds to wait after the `attempts`-th failed attempt. */
export const backoffSeconds = (attempts: number, base: number) => Math.min(86_400, base * 2 ** Math.max(0, attempts - 1));

/**
 * Delivers due notifications; returns how many were sent. Rows are claimed in one statement
 * (SKIP LOCKED, with a lease) and sent outside any transaction, so a slow SMTP server or SMS gateway
 * holds no locks, and several dispatchers (API processes, the jobs process) share the work.
 */
export async function drainOutbox(db: Db, transport: Transport, options: DispatchOptions = {}): Promise<number> {
  const o = { ...defaults, ...options };
  const claimed = await db
    .update(notifications)
    .set({ status: 'sending', leaseUntil: sql`now() + make_interval(secs => ${o.leaseSeconds})` })
    .where(
      sql`${notifications.id} in (
        select id from ${notifications}
        where (${notifications.status} = 'queued' and ${notifications.nextAttemptAt} <= now())
           or (${notifications.status} = 'sending' and ${notifications.leaseUntil} < now())
        order by ${notifications.nextAttemptAt}
        limit ${o.batch}
        for update skip locked)`,
    )
    .returning();
  if (!claimed.length) return 0;

  // Language and channel choices of the recipients, read once per batch.
  const userIds = [...new Set(claimed.map((n) => n.userId).filter((id): id is string => id !== null))];
  const people = userIds.length
    ? await db.select({ id: users.id, locale: users.locale, channels: users.notificationChannels }).from(users).where(idIn(users.id, userIds))
    : [];
  const byId = new Map(people.map((p) => [p.id, p]));

  let sent = 0;
  for (const row of claimed) {
    const person = row.userId ? byId.get(row.userId) : undefined;
    const settle = (set: Partial<typeof notifications.$inferInsert>) =>
      db
        .update(notifications)
        .set({ leaseUntil: null, ...set })
        .where(and(eq(notifications.id, row.id), eq(notifications.status, 'sending')));
    if (person && !person.channels.includes(row.channel as 'email' | 'sms')) {
      await settle({ status: 'skipped', lastError: `the user turned ${row.channel} off` });
      continue;
    }
    try {
      const { subject, text } = render(row.template, row.payload as Record<string, unknown>, (person?.locale ?? 'en') as Locale);
      await transport({ id: row.id, channel: row.channel, recipient: row.recipient, subject, text });
      await settle({ status: 'sent', sentAt: new Date(), attempts: row.attempts + 1, lastError: null });
      sent += 1;
    } catch (err) {
      const attempts = row.attempts + 1;
      const dead = attempts >= o.maxAttempts;
      await settle({
        status: dead ? 'failed' : 'queued',
        attempts,
        lastError: String(err instanceof Error ? err.message : err).slice(0, 1000),
        nextAttemptAt: new Date(Date.now() + backoffSeconds(attempts, o.retryBaseSeconds) * 1000),
      });
    }
  }
  return sent;
}
