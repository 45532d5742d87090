import { sleep } from '../sleep.ts';
import type { Transport } from '../client.ts';
import { ConnectSphereError } from '../errors.ts';
import type {
  EvaluateRequest,
  Evaluation,
  ExperimentReport,
  ModelHealth,
  ModelList,
  ModelVersion,
  RecommendationList,
  RecommendationPreviewQuery,
  RecommendationQuery,
  TrainingRun,
  TrainRequest,
} from '../types.ts';

/**
 * The stages a training run reports in `stage`, in the order it goes through them (as documented
 * in openapi.yaml; the API may skip some, and a newer one may report others).
 */
export const trainingStages = ['features', 'clustering', 'cf', 'content', 'popularity', 'evaluation', 'saving'] as const;
export type TrainingStage = (typeof trainingStages)[number];

export interface WaitForRunOptions {
  /** Called with every snapshot of the run polled, the last (finished) one included. What it throws stops the wait. */
  onProgress?: (run: TrainingRun) => void;
  /** Time between polls. Default 500 ms. */
  intervalMs?: number;
  /** Give up (ConnectSphereError) when the run has not finished by then. Default: wait as long as it takes. */
  timeoutMs?: number;
  /** Stops waiting (the run goes on on the server). */
  signal?: AbortSignal;
}

/**
 * Recommendations: what a trader is shown and why, and (admins) training, versions, evaluation,
 * health and the A/B report of the model behind them.
 */
export class MlResource {
  constructor(private readonly t: Transport) {}

  /**
   * Open groups recommended to the caller, best first, each with its score, the components behind
   * it and reasons to show. Showing them is recorded for the A/B report; pass an item's
   * `recommendationId` to `groups.join` (or `click`) to attribute what the trader did. ApiError 503
   * (with `retryAfterSeconds`) until a first model has been trained.
   */
  recommendations(query: RecommendationQuery = {}): Promise<RecommendationList> {
    return this.t.call('get', '/api/ml/recommendations', { query });
  }

  /** Records that the caller opened a recommended group. ApiError 404 for an id that is not one of the caller's recommendations. */
  click(recommendationId: string): Promise<void> {
    return this.t.call('post', '/api/ml/recommendations/{id}/click', { path: { id: recommendationId } });
  }

  /** Admins: what a trader (by `userId` or `email`) would be shown and why. Not recorded as shown. */
  preview(query: RecommendationPreviewQuery): Promise<RecommendationList> {
    return this.t.call('get', '/api/admin/ml/recommendations', { query });
  }

  /**
   * Admins: starts training a model in the background and returns the queued run at once (HTTP 202);
   * follow it with `waitForRun`. `activate`: if_better (default: when it scores at least as well as
   * the active model's parameters on the same hold-out), always or never. ApiError 409 while
   * another run is going (its id in `problem.runId`).
   */
  train(body: TrainRequest = {}): Promise<TrainingRun> {
    return this.t.call('post', '/api/admin/ml/train', { body });
  }

  /** Admins: a training run's status, stage, progress (0 to 1) and, once finished, its metrics. */
  run(id: string): Promise<TrainingRun> {
    return this.t.call('get', '/api/admin/ml/runs/{id}', { path: { id } });
  }

  /**
   * Admins: polls a run until it has succeeded or failed and returns that last snapshot (a failed
   * run is returned, not thrown: check `status` and `error`). `onProgress` sees every snapshot.
   */
  async waitForRun(id: string, options: WaitForRunOptions = {}): Promise<TrainingRun> {
    const { onProgress, intervalMs = 500, timeoutMs, signal } = options;
    const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
    for (;;) {
      signal?.throwIfAborted();
      const run = await this.t.call('get', '/api/admin/ml/runs/{id}', { path: { id }, ...(signal ? { signal } : {}) });
      onProgress?.(run);
      if (run.status === 'succeeded' || run.status === 'failed') return run;
      if (Date.now() + intervalMs > deadline) {
        throw new ConnectSphereError(`Training run ${id} is still ${run.status} (${run.stage ?? 'no stage yet'}) after ${timeoutMs} ms`);
      }
      try {
        await sleep(intervalMs, signal);
      } catch {
        throw signal?.reason ?? new ConnectSphereError('aborted');
      }
    }
  }

  /** Admins: every trained model version, newest first, the active one marked, as `{ items }`. */
  models(): Promise<ModelList> {
    return this.t.call('get', '/api/admin/ml/models', {});
  }

  /** Admins: serves this version from now on (no restart). ApiError 404 for an unknown version. */
  activate(version: string): Promise<ModelVersion> {
    return this.t.call('post', '/api/admin/ml/models/{version}/activate', { path: { version } });
  }

  /**
   * Admins: precision, recall, NDCG, MAP and coverage at `k` (default 10) of each component and the
   * hybrid, next to the popularity baseline, for a version's parameters (default: the active one)
   * on a temporal hold-out of the current data. Takes as long as a training.
   */
  evaluate(body: EvaluateRequest = {}): Promise<Evaluation> {
    return this.t.call('post', '/api/admin/ml/evaluate', { body });
  }

  /** Admins: the active model's version, age and metrics, and the interactions since its data (against the retrain threshold). */
  health(): Promise<ModelHealth> {
    return this.t.call('get', '/api/admin/ml/health', {});
  }

  /** Admins: per A/B variant, traders shown recommendations, impressions, clicks, joins, CTR and join rate. */
  experiments(): Promise<ExperimentReport> {
    return this.t.call('get', '/api/admin/ml/experiments', {});
  }
}
