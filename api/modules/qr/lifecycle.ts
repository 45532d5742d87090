import { pickupPasses, type passStatusEnum } from '../../db/schema.ts';
import { StateMachine } from '../../db/state-machine.ts';

export type PassStatus = (typeof passStatusEnum.enumValues)[number];

/**
 * The one table of allowed pickup-pass moves and what causes each. Everything else is refused:
 * a used pass stays used (the goods left the pickup point), a revoked one stays revoked.
 */
export const passLifecycle = new StateMachine<PassStatus, typeof pickupPasses>('pass', pickupPasses, {
  active: {
    used: 'redemption by staff at its pickup point (exactly once)',
    revoked: 'reissue by an admin, or its group expires or is cancelled',
    expired: 'the expire-passes job, once past its expiry',
  },
  expired: { revoked: 'reissue by an admin' },
  used: {},
  revoked: {},
});
