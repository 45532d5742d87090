import { contributions, type contributionStatusEnum } from '../../db/schema.ts';
import { StateMachine } from '../../db/state-machine.ts';

export type ContributionStatus = (typeof contributionStatusEnum.enumValues)[number];

/** The one table of allowed contribution moves and what causes each; every other move is a 409. */
export const contributionLifecycle = new StateMachine<ContributionStatus, typeof contributions>('contribution', contributions, {
  pending_payment: {
    paid: 'its payment is verified',
    cancelled: 'the trader leaves, its payment fails, or the group expires or is cancelled',
    lapsed: 'its reservation time passes unpaid, or its checkout is abandoned',
  },
  // Paid after the reservation ended, while the group still takes members and has room.
  lapsed: { paid: 'a late payment is verified and the group still has room' },
  cancelled: { paid: 'a late payment is verified and the group still has room' },
  paid: { refunded: 'an admin refunds its payment, or the group expires or is cancelled' },
  refunded: {},
});
