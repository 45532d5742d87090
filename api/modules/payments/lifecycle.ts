import { payments, refunds, type paymentStatusEnum, type refundStatusEnum } from '../../db/schema.ts';
import { StateMachine } from '../../db/state-machine.ts';

export type PaymentStatus = (typeof paymentStatusEnum.enumValues)[number];
export type RefundStatus = (typeof refundStatusEnum.enumValues)[number];

/** The one table of allowed payment moves and what causes each; every other move is a 409. */
export const paymentLifecycle = new StateMachine<PaymentStatus, typeof payments>('payment', payments, {
  pending: {
    successful: 'the provider confirms it with the amount, currency and tx_ref asked for',
    failed: 'the provider reports it failed, or the checkout could not be created',
    abandoned: 'the trader leaves or starts another checkout, or it stays unknown past the reservation window',
    mismatch: 'the provider reports another amount, currency or tx_ref',
  },
  // An abandoned checkout may still be paid: verification settles it like a pending one.
  abandoned: {
    successful: 'the provider confirms it after all (credited, or refunded when too late)',
    failed: 'the provider reports it failed',
    mismatch: 'the provider reports another amount, currency or tx_ref',
  },
  successful: { refund_pending: 'a refund is scheduled (admin, group ended, or paid too late)' },
  refund_pending: { refunded: 'the provider confirms the refund' },
  refunded: {},
  failed: {},
  mismatch: {},
});

/**
 * The one table of allowed refund moves. A refund is claimed (sending) before the provider is
 * called, so two senders never send the same one; what the provider answers settles it, and an
 * answer of pending waits (processing) for the settle-refunds job or the refund webhook.
 */
export const refundLifecycle = new StateMachine<RefundStatus, typeof refunds>('refund', refunds, {
  pending: { sending: 'a sender claims it (one sender only)' },
  sending: {
    succeeded: 'the provider answers completed',
    processing: 'the provider accepts it and answers pending',
    failed: 'the provider refuses it',
    pending: 'its claim lapsed (the sender stopped) and the provider has no record of it',
  },
  processing: {
    succeeded: 'the provider reports it completed (settle-refunds job or refund webhook)',
    failed: 'the provider reports it failed',
  },
  succeeded: {},
  failed: {},
});
