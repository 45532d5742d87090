import type { Transport } from '../client.ts';
import { paginate } from '../paginate.ts';
import type { Contribution, ContributionListQuery, ContributionPage, ContributionUpdate, Rating, RatingCreate } from '../types.ts';

/** The caller's own contributions (their shares of groups). Join a group with `cs.groups.join`. */
export class ContributionsResource {
  constructor(private readonly t: Transport) {}

  /** One page of the caller's contributions, newest first. */
  list(query: ContributionListQuery = {}): Promise<ContributionPage> {
    return this.t.call('get', '/api/contributions', { query });
  }

  iterate(query: ContributionListQuery = {}): AsyncIterable<Contribution> {
    const { cursor, ...rest } = query;
    return paginate((next) => this.list({ ...rest, cursor: next }), cursor);
  }

  /** Changes the quantity of a contribution not yet paid. */
  update(id: string, change: ContributionUpdate): Promise<Contribution> {
    return this.t.call('patch', '/api/contributions/{id}', { path: { id }, body: change });
  }

  /** Leaves the group before paying: the contribution is cancelled and its reservation released. */
  leave(id: string): Promise<Contribution> {
    return this.t.call('delete', '/api/contributions/{id}', { path: { id } });
  }

  /**
   * Rates what you collected, 1 to 5 with an optional comment: once per contribution, after its
   * pickup pass was redeemed (else an ApiError 409). It counts towards the product's and the
   * supplier's ratingAverage and ratingCount.
   */
  rate(id: string, rating: RatingCreate): Promise<Rating> {
    return this.t.call('post', '/api/contributions/{id}/rating', { path: { id }, body: rating });
  }
}
