import type { passStatusEnum } from '../../db/schema.ts';
import { conflict } from '../../errors.ts';

export type PassStatus = (typeof passStatusEnum.enumValues)[number];

/**
 * The one table of allowed pickup-pass transitions and what causes each. Everything else is
 * refused: a used pass stays used (the goods left the pickup point), a revoked one stays revoked.
 */
export const passTransitions: Record<PassStatus, Partial<Record<PassStatus, string>>> = {
  active: {
    used: 'redemption by staff at its pickup point (exactly once)',
    revoked: 'reissue by an admin',
    expired: 'the expire-passes job, once past its expiry',
  },
  expired: { revoked: 'reissue by an admin' },
  used: {},
  revoked: {},
};

export function canTransition(from: PassStatus, to: PassStatus): boolean {
  return passTransitions[from][to] !== undefined;
}

/** A 409 naming the current state and where it may go from there. */
export function assertPassTransition(from: PassStatus, to: PassStatus, detail?: string): void {
  if (canTransition(from, to)) return;
  const options = Object.keys(passTransitions[from]);
  throw conflict(
    detail ??
      `Cannot move a pass from ${from} to ${to}; from ${from} it can go to: ${options.join(', ') || 'nothing (final state)'}`,
    { currentState: from, allowedTransitions: options },
  );
}
