import { groups, type groupStatusEnum } from '../../db/schema.ts';
import { StateMachine } from '../../db/state-machine.ts';
import { conflict } from '../../errors.ts';

export type GroupStatus = (typeof groupStatusEnum.enumValues)[number];

/**
 * Who causes a move: `system` (payments and deadlines, never on request), `order` (the group
 * follows its purchase order: the supplier's accept, ship and deliver, the admin's quality check;
 * an admin may still make the move directly, as an override) or `admin`.
 */
export type Cause = 'system' | 'order' | 'admin';
/** Who is asking: the system (payments, jobs, the order following), a supplier or an admin. */
export type Actor = 'system' | 'supplier' | 'admin';

/**
 * The one table of allowed group transitions and what causes each. Anything not listed is refused
 * with a 409 naming the current state.
 */
export const transitions: Record<GroupStatus, Partial<Record<GroupStatus, Cause>>> = {
  draft: { open: 'admin', cancelled: 'admin' },
  open: { funded: 'system', expired: 'system', cancelled: 'admin' },
  funded: { ordered: 'order', cancelled: 'admin' },
  ordered: { shipped: 'order', cancelled: 'admin' },
  shipped: { delivered: 'order', cancelled: 'admin' },
  delivered: { ready_for_pickup: 'order' },
  ready_for_pickup: { completed: 'admin' },
  completed: {},
  expired: {},
  cancelled: {},
};

const causeText: Record<Cause, string> = {
  system: 'the system (payments and deadlines)',
  order: 'its purchase order (the supplier, or the quality check), or an admin overriding',
  admin: 'an admin',
};

/** Whether `actor` may make a move caused by `cause`. */
function mayCause(cause: Cause, actor: Actor): boolean {
  if (actor === 'system') return true;
  if (actor === 'supplier') return cause === 'order';
  return cause !== 'system';
}

/** The same table as a state machine: the only writer of groups.status (see applyTransition). */
export const groupLifecycle = new StateMachine<GroupStatus, typeof groups>(
  'group',
  groups,
  Object.fromEntries(
    Object.entries(transitions).map(([from, moves]) => [
      from,
      Object.fromEntries(Object.entries(moves).map(([to, cause]) => [to, causeText[cause]])),
    ]),
  ) as Record<GroupStatus, Partial<Record<GroupStatus, string>>>,
);

/** States in which traders may still join or pay. */
export const joinable: GroupStatus[] = ['open', 'funded'];

/** States whose paid contributions are refunded on entry. */
export const refunding: GroupStatus[] = ['expired', 'cancelled'];

export function assertTransition(from: GroupStatus, to: GroupStatus, by: Actor): void {
  const allowed = transitions[from];
  const cause = allowed[to];
  if (!cause || !mayCause(cause, by)) {
    const options = Object.entries(allowed)
      .filter(([, c]) => mayCause(c, by))
      .map(([s]) => s);
    throw conflict(
      cause === 'system'
        ? `A group becomes ${to} by itself (payments and deadlines), not by request; it is ${from}`
        : `Cannot move a group from ${from} to ${to}; from ${from} it can go to: ${options.join(', ') || 'nothing (final state)'}`,
      { currentState: from, allowedTransitions: options },
    );
  }
}
