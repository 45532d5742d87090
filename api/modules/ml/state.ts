// The recommender's in-process state: the model being served, the training in progress, and the
// short-lived serving cache. One per AppContext (kept in a WeakMap rather than on the context, so the
// shared context type and every place that builds one stay untouched, and each test app gets its own).

import type { TrainedModel } from '../../../ml/index.ts';
import type { AppContext } from '../../context.ts';
import type { OpenGroups } from './dataset.ts';

export interface ServedModel {
  version: string;
  model: TrainedModel;
  trainedAt: Date;
}

export interface TrainingHandle {
  runId: string;
  abort: AbortController;
  /** Settles when the run row holds its final status. Never rejects. */
  done: Promise<void>;
}

export interface MlState {
  /**
   * The model requests are served with. Hot swap = assigning this one reference: a request reads it
   * once at its start and keeps that model to the end, so no request ever sees half a swap.
   */
  served: ServedModel | null;
  /** Bumped on every swap, so a slow background load cannot undo a newer activation. */
  generation: number;
  /** One training per process at a time. */
  training: TrainingHandle | null;
  /** One hold-out evaluation per process at a time (it runs a worker of its own). */
  evaluating: boolean;
  /** Open groups as recommend() wants them, rebuilt at most every few seconds. */
  openGroups: { builtAt: number; value: Promise<OpenGroups> } | null;
  /** A background rebuild of openGroups is under way. */
  rebuilding: boolean;
  /** When the served model was last compared with the active row (another process may activate). */
  lastSync: number;
  syncing: Promise<void> | null;
  /** trader:group → when a view was last logged, so reloading a page does not inflate its weight. */
  recentViews: Map<string, number>;
  closed: boolean;
}

const states = new WeakMap<AppContext, MlState>();

export function mlState(ctx: AppContext): MlState {
  let s = states.get(ctx);
  if (!s) {
    s = { served: null, generation: 0, training: null, evaluating: false, openGroups: null, rebuilding: false, lastSync: 0, syncing: null, recentViews: new Map(), closed: false };
    states.set(ctx, s);
  }
  return s;
}
