import { groups, type groupStatusEnum } from '../../db/schema.ts';
import { StateMachine } from '../../db/state-machine.ts';
import { conflict } from '../../errors.ts';

export type GroupStatus = (typeof groupStatusEnum.enumValues)[number];

/**
 * The one table of allowed group transitions. `by` says who may cause each: the system (payments
 * and jobs) or an admin. Anything not listed is refused with a 409 naming the current state.
 */
export const transitions: Record<GroupStatus, Partial<Record<GroupStatus, 'system' | 'admin'>>> = {
  draft: { open: 'admin', cancelled: 'admin' },
  open: { funded: 'system', expired: 'system', cancelled: 'admin' },
  funded: { ordered: 'admin', cancelled: 'admin' },
  ordered: { shipped: 'admin', cancelled: 'admin' },
  shipped: { delivered: 'admin', cancelled: 'admin' },
  delivered: { ready_for_pickup: 'admin' },
  ready_for_pickup: { completed: 'admin' },
  completed: {},
  expired: {},
  cancelled: {},
};

/** The same table as a state machine: the only writer of groups.status (see applyTransition). */
export const groupLifecycle = new StateMachine<GroupStatus, typeof groups>(
  'group',
  groups,
  Object.fromEntries(
    Object.entries(transitions).map(([from, moves]) => [
      from,
      Object.fromEntries(Object.entries(moves).map(([to, by]) => [to, by === 'admin' ? 'an admin' : 'the system (payments and deadlines)'])),
    ]),
  ) as Record<GroupStatus, Partial<Record<GroupStatus, string>>>,
);

/** States in which traders may still join or pay. */
export const joinable: GroupStatus[] = ['open', 'funded'];

/** States whose paid contributions are refunded on entry. */
export const refunding: GroupStatus[] = ['expired', 'cancelled'];

export function assertTransition(from: GroupStatus, to: GroupStatus, by: 'system' | 'admin'): void {
  const allowed = transitions[from];
  const who = allowed[to];
  if (!who || (who === 'system' && by === 'admin')) {
    const options = Object.entries(allowed)
      .filter(([, w]) => w === by || by === 'system')
      .map(([s]) => s);
    throw conflict(
      who === 'system'
        ? `A group becomes ${to} by itself (payments and deadlines), not by request; it is ${from}`
        : `Cannot move a group from ${from} to ${to}; from ${from} it can go to: ${options.join(', ') || 'nothing (final state)'}`,
      { currentState: from, allowedTransitions: options },
    );
  }
}
