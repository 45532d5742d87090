import type { FastifyBaseLogger } from 'fastify';
import type { AppContext } from '../../context.ts';
import { releaseLapsedReservations } from '../groups/joins.ts';
import { pruneIdempotencyKeys } from '../idempotency/idempotency.ts';
import { drainOutbox } from '../notifications/dispatcher.ts';
import { transportFor } from '../notifications/transport.ts';
import { providerFor } from '../payments/provider.ts';
import { settleRefunds } from '../payments/refunds.ts';
import { expireOverdueGroups, reconcilePendingPayments } from '../payments/service.ts';
import { retrainIfNeeded } from '../ml/retrain.ts';
import { createBackup, pruneBackups } from '../backups/service.ts';
import { expirePasses } from '../qr/service.ts';
import { remindDueInvoices } from '../invoices/service.ts';
import { pruneDomainEvents } from '../events/domain-events.ts';
import { processPendingPayouts, reconcilePayouts } from '../payouts/service.ts';
import { deliverWebhooks } from '../webhooks/delivery.ts';
import { evaluateAlerts } from '../alerts/evaluate.ts';
import { runAnalyticsEtl } from '../analytics/etl.ts';

/** What a job reports: named counts of what it did, stored on its run (JobRun.counts). */
export type Counts = Record<string, number>;

export interface JobDefinition {
  description: string;
  /** How often the scheduler runs it, in Bree's notation ('1m', '5m'); shown as Job.interval. */
  interval: string;
  run(ctx: AppContext, log: FastifyBaseLogger): Promise<Counts>;
}

/** A batch of the outbox; a full batch means more may be waiting, so the job drains another. */
const outboxBatch = 50;
const maxBatchesPerRun = 20;

/**
 * Every scheduled job, in one table. The names are the spec's JobName enum. The work itself lives
 * in the domain modules; each entry only calls it and turns its result into counts.
 *
 * Intervals are short enough that a process restarting every few minutes still runs each job, and
 * each job catches up on everything overdue, so a missed tick is never lost work.
 */
export const jobs = {
  'release-reservations': {
    description: 'Gives the units of unpaid reservations past their time back to their groups.',
    interval: '1m',
    run: (ctx) => releaseLapsedReservations(ctx),
  },
  'expire-groups': {
    description: 'Expires open groups past their deadline below their MOQ and refunds their payments.',
    interval: '5m',
    run: (ctx, log) => expireOverdueGroups(ctx, log),
  },
  'reconcile-payments': {
    description: 'Checks payments left pending with the provider, abandons stale ones and retries pending refunds.',
    interval: '5m',
    run: (ctx, log) => reconcilePendingPayments(ctx, log),
  },
  'settle-refunds': {
    description:
      'Asks the provider again about refunds it answered pending and settles them; looks up refunds whose sender stopped mid-send and records or resends them.',
    interval: '5m',
    run: (ctx, log) => settleRefunds(ctx, providerFor(ctx), log),
  },
  'prune-idempotency-keys': {
    description: 'Deletes Idempotency-Keys older than IDEMPOTENCY_RETENTION_HOURS (24 h by default).',
    interval: '1h',
    run: async (ctx) => ({ pruned: await pruneIdempotencyKeys(ctx.db, ctx.config.idempotency.retentionHours) }),
  },
  'expire-passes': {
    description: 'Marks active pickup passes past their expiry as expired.',
    interval: '15m',
    run: async (ctx) => ({ expired: await expirePasses(ctx.db) }),
  },
  'deliver-notifications': {
    description: 'Delivers due email and SMS notifications from the outbox, retrying failures with backoff.',
    interval: '1m',
    run: async (ctx, log) => {
      const transport = transportFor(ctx, log);
      const { maxAttempts, retryBaseSeconds } = ctx.config.notifications;
      let sent = 0;
      try {
        for (let i = 0; i < maxBatchesPerRun; i += 1) {
          const n = await drainOutbox(ctx.db, transport, { batch: outboxBatch, maxAttempts, retryBaseSeconds });
          sent += n;
          if (n < outboxBatch) break;
        }
      } finally {
        transport.close();
      }
      return { sent };
    },
  },

  'retrain-model': {
    description:
      'Retrains the recommendation model when enough new interactions arrived (ML_RETRAIN_THRESHOLD) or it is older than ML_RETRAIN_MAX_AGE_HOURS; activates it only if it beats the active one on the same hold-out.',
    interval: '15m',
    run: (ctx, log) => retrainIfNeeded(ctx, log),
  },
  'backup-database': {
    description: 'Backs up the database, the signing keys and the saved models to BACKUP_DIR, and keeps the newest BACKUP_KEEP backups.',
    interval: '24h',
    run: async (ctx) => {
      await createBackup(ctx);
      return { made: 1, removed: pruneBackups(ctx) };
    },
  },
  'invoice-reminders': {
    description:
      'Reminds admins of unpaid invoices INVOICE_REMINDER_DAYS before they are due (each reminder once per invoice) and marks unpaid invoices past their due date overdue.',
    interval: '1h',
    run: (ctx) => remindDueInvoices(ctx),
  },
  'prune-domain-events': {
    description: 'Deletes domain events older than EVENTS_RETENTION_HOURS (72 h by default): real-time subscribers resume within that window.',
    interval: '1h',
    run: async (ctx) => ({ pruned: await pruneDomainEvents(ctx.db, ctx.config.realtime.retentionHours) }),
  },
  'send-payouts': {
    description: 'Sends pending payouts (checked orders: invoice total less commission) by transfer, each claimed by one sender so it reaches the provider at most once.',
    interval: '1m',
    run: (ctx, log) => processPendingPayouts(ctx, undefined, log),
  },
  'reconcile-payouts': {
    description: 'Looks up payouts the provider queued and settles them (paid or failed) without waiting for its webhook; flags payouts whose sender stopped mid-send.',
    interval: '5m',
    run: (ctx, log) => reconcilePayouts(ctx, undefined, log),
  },
  'deliver-webhooks': {
    description: 'Turns new events into deliveries for the webhook endpoints that want them, and posts the due ones, signed, retrying failures with backoff until WEBHOOK_MAX_ATTEMPTS.',
    interval: '10s',
    run: (ctx, log) => deliverWebhooks(ctx, log),
  },
  'evaluate-alerts': {
    description:
      'Evaluates the alert rules (ALERT_* thresholds): opens an alert for each new finding and mails the admins, repeats persisting ones, resolves those whose condition cleared.',
    interval: '1m',
    run: (ctx, log) => evaluateAlerts(ctx, log),
  },
  'analytics-etl': {
    description:
      'Builds the daily KPI counters and per-trader features from the events committed since its watermark (rebuilding each day they touch, late ones too), then prunes raw events older than ANALYTICS_RETENTION_DAYS.',
    interval: '5m',
    run: (ctx) => runAnalyticsEtl(ctx),
  },
} as const satisfies Record<string, JobDefinition>;

export type JobName = keyof typeof jobs;

export const jobNames = Object.keys(jobs) as JobName[];

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(jobs, name);
}
