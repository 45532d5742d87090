import { idempotencyKeyOf, type IdempotentOptions, type Transport } from '../client.ts';
import { paginate } from '../paginate.ts';
import type { Contribution, Group, GroupCreate, GroupListQuery, GroupPage, GroupTransition, GroupUpdate, JoinRequest } from '../types.ts';

/** Group-buys: browsing, joining, and (admins) creating and moving them through their lifecycle. */
export class GroupsResource {
  constructor(private readonly t: Transport) {}

  /** One page of groups (open ones unless `status` says otherwise), filtered and sorted. */
  list(query: GroupListQuery = {}): Promise<GroupPage> {
    return this.t.call('get', '/api/groups', { query });
  }

  /** Every matching group, fetching pages of `limit` as the loop goes. */
  iterate(query: GroupListQuery = {}): AsyncIterable<Group> {
    const { cursor, ...rest } = query;
    return paginate((next) => this.list({ ...rest, cursor: next }), cursor);
  }

  /** One group, with its progress and the caller's own open contribution (`myContribution`). */
  get(id: string): Promise<Group> {
    return this.t.call('get', '/api/groups/{id}', { path: { id } });
  }

  /** Creates a group-buy of a product (admin); its unit price is the product's tier price for the MOQ. */
  create(body: GroupCreate): Promise<Group> {
    return this.t.call('post', '/api/groups', { body });
  }

  /** Edits a draft or open group (admin). */
  update(id: string, change: GroupUpdate): Promise<Group> {
    return this.t.call('patch', '/api/groups/{id}', { path: { id }, body: change });
  }

  /**
   * Moves a group to its next state (admin): draft→open, funded→ordered→shipped→delivered→
   * ready_for_pickup→completed, or cancelled before delivery. Anything else is ApiError 409.
   */
  transition(id: string, transition: GroupTransition): Promise<Group> {
    return this.t.call('post', '/api/groups/{id}/transitions', { path: { id }, body: transition });
  }

  /** Cancels a group (admin): reservations are released and every payment refunded. */
  cancel(id: string, reason?: string): Promise<Group> {
    return this.transition(id, reason === undefined ? { to: 'cancelled' } : { to: 'cancelled', reason });
  }

  /**
   * Reserves `quantity` units for the caller (a contribution in pending_payment; pay it before
   * `reservedUntil`). Sent with an Idempotency-Key, so it is retried safely and reserves once.
   */
  join(id: string, body: JoinRequest, options?: IdempotentOptions): Promise<Contribution> {
    return this.t.call('post', '/api/groups/{id}/join', { path: { id }, body, idempotencyKey: idempotencyKeyOf(options) });
  }
}
