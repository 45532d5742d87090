import fs from 'node:fs';
import path from 'node:path';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../../db/client.ts';
import { idIn } from '../../db/id-lists.ts';
import { notifications } from '../../db/schema.ts';
import { render } from './templates.ts';

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

const maxAttempts = 5;

/** Delivers queued notifications; returns how many were sent. Safe to run from several processes. */
export async function drainOutbox(db: Db, transport: Transport, batch = 50): Promise<number> {
  return db.transaction(async (tx) => {
    const rows = await tx
      .select()
      .from(notifications)
      .where(eq(notifications.status, 'queued'))
      .orderBy(asc(notifications.createdAt))
      .limit(batch)
      .for('update', { skipLocked: true });
    const sent: string[] = [];
    for (const row of rows) {
      try {
        const { subject, text } = render(row.template, row.payload as Record<string, unknown>);
        await transport({ id: row.id, channel: row.channel, recipient: row.recipient, subject, text });
        sent.push(row.id);
      } catch (err) {
        await tx
          .update(notifications)
          .set({
            attempts: sql`${notifications.attempts} + 1`,
            lastError: String(err),
            status: row.attempts + 1 >= maxAttempts ? 'failed' : 'queued',
          })
          .where(eq(notifications.id, row.id));
      }
    }
    if (sent.length) {
      await tx
        .update(notifications)
        .set({ status: 'sent', sentAt: new Date(), attempts: sql`${notifications.attempts} + 1` })
        .where(and(idIn(notifications.id, sent), eq(notifications.status, 'queued')));
    }
    return sent.length;
  });
}
