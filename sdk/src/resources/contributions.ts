import type { Transport } from '../client.ts';
import { paginate } from '../paginate.ts';
import type { Contribution, ContributionListQuery, ContributionPage, ContributionUpdate } from '../types.ts';

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
}
