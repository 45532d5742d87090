// Provider status words → ours. Shared by the Flutterwave adapter and the sandbox.

import type { RefundResult, VerifiedTransaction } from './types.ts';

/**
 * Flutterwave says successful, failed, pending or cancelled (and older answers error or abandoned).
 * Anything else is treated as not finished yet: pending credits nothing and can be verified again.
 */
export function transactionStatus(status: unknown): VerifiedTransaction['status'] {
  switch (typeof status === 'string' ? status.toLowerCase() : '') {
    case 'successful':
    case 'success':
      return 'successful';
    case 'failed':
    case 'error':
      return 'failed';
    case 'cancelled':
    case 'canceled':
    case 'abandoned':
      return 'cancelled';
    default:
      return 'pending';
  }
}

/** Flutterwave's refund statuses: completed (and completed-offline …), pending, failed/declined. */
export function refundStatus(status: unknown): RefundResult['status'] {
  const s = typeof status === 'string' ? status.toLowerCase() : '';
  if (s.startsWith('completed') || s === 'successful') return 'succeeded';
  if (s === 'failed' || s === 'declined' || s === 'rejected' || s === 'cancelled') return 'failed';
  return 'pending';
}
