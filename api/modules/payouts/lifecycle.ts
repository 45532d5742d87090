import { payouts } from '../../db/schema.ts';
import { StateMachine } from '../../db/state-machine.ts';

export type PayoutStatus = (typeof payouts.$inferSelect)['status'];

/**
 * A payout is created pending after the quality check, claimed by one sender (sending, with a
 * lease), and settled by the provider's answer, its webhook or the reconcile-payouts job.
 */
export const payoutLifecycle = new StateMachine<PayoutStatus, typeof payouts>('payout', payouts, {
  pending: { sending: 'claimed by one sender (send-payouts job)' },
  sending: {
    processing: 'the provider queued the transfer',
    paid: 'the provider (or its webhook) says it completed',
    failed: 'the provider refused it',
  },
  processing: { paid: 'the transfer completed (webhook or polling)', failed: 'the transfer failed (webhook or polling)' },
  paid: {},
  failed: {},
});
