import { supplierOrders, type orderStatusEnum } from '../../db/schema.ts';
import { StateMachine } from '../../db/state-machine.ts';
import type { GroupStatus } from '../groups/lifecycle.ts';

export type OrderStatus = (typeof orderStatusEnum.enumValues)[number];

/**
 * The one table of allowed purchase-order moves and what causes each; every other move is a 409
 * naming the current state. The supplier drives it from pending to delivered, the admin's quality
 * check ends it; the group follows (groupFollows).
 */
export const orderLifecycle = new StateMachine<OrderStatus, typeof supplierOrders>('order', supplierOrders, {
  pending: {
    accepted: 'the supplier accepts it',
    rejected: 'the supplier rejects it, with a reason',
    cancelled: 'an admin re-routes the group, opens it for quotes or cancels it',
  },
  accepted: { preparing: 'the supplier starts preparing it', cancelled: 'an admin cancels the group' },
  preparing: { shipped: 'the supplier ships it (carrier, tracking number, ETA)', cancelled: 'an admin cancels the group' },
  shipped: { delivered: 'the supplier delivers it at the pickup point', cancelled: 'an admin cancels the group' },
  delivered: { checked: "an admin's quality check" },
  checked: {},
  rejected: {},
  cancelled: {},
});

/** Orders that still stand for their group (at most one per group: supplier_orders_live_group_key). */
export const liveOrderStatuses: OrderStatus[] = ['pending', 'accepted', 'preparing', 'shipped', 'delivered', 'checked'];

/** The group state an order move takes its group to (moves not listed leave the group as it is). */
export const groupFollows: Partial<Record<OrderStatus, { from: GroupStatus; to: GroupStatus }>> = {
  accepted: { from: 'funded', to: 'ordered' },
  shipped: { from: 'ordered', to: 'shipped' },
  delivered: { from: 'shipped', to: 'delivered' },
  checked: { from: 'delivered', to: 'ready_for_pickup' },
};
