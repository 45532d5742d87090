// cs ml …: the recommendation model (admins): train it and watch the run, evaluate it, list and
// activate versions, check its health and the A/B report. Who may do this is the API's call (403, exit 3).
import { InvalidArgumentError, Option, type Command } from 'commander';
import { ApiError, type ConnectSphere, type ModelVersion, type TrainingRun, type TrainRequest } from '@connectsphere/sdk';
import { makeClient, requireSession, run } from '../client.ts';
import { failureWith, relative, upTo50, when } from '../format.ts';
import {
  animationsEnabled,
  CliError,
  colorEnabled,
  ExitCode,
  note,
  paint,
  printJson,
  println,
  renderPairs,
  renderTable,
  withSpinner,
  type Column,
  type Paint,
} from '../output.ts';

const policies = ['if_better', 'always', 'never'] as const;
type Policy = (typeof policies)[number];

// ---- reading metrics ------------------------------------------------------------------------------------
// Run, model and evaluation metrics are free-form objects in the spec (additionalProperties), so they are
// read defensively: whatever is missing shows as "-".

interface Ranking {
  precision?: number;
  recall?: number;
  ndcg?: number;
  map?: number;
  coverage?: number;
}

interface RunMetrics {
  holdout?: { k?: number; cutoff?: string; tradersEvaluated?: number; components?: Record<string, Ranking> } | null;
  comparison?: { reason?: string; against?: string | null } | null;
  clustering?: { k?: number; silhouette?: number; skipped?: string | null };
  cf?: { iterations?: number; converged?: boolean; tolerance?: number; finalLoss?: number; lossHistory?: number[] };
  counts?: { traders?: number; products?: number };
  interactions?: number;
  timingsMs?: { total?: number; stages?: Record<string, number> };
}

const runMetrics = (m: Record<string, unknown>) => m as RunMetrics;

/** "converged after 23 iterations (change < 1e-4), loss 17,629 → 13,843", from a model's cf metrics. */
export function describeNmf(cf: RunMetrics['cf']): string | null {
  if (!cf || cf.iterations === undefined) return null;
  const losses = cf.lossHistory ?? [];
  const fmt = (v: number | undefined) => (v === undefined ? '-' : Math.round(v).toLocaleString('en-US'));
  const loss = losses.length > 1 ? `, loss ${fmt(losses[0])} → ${fmt(losses[losses.length - 1])}` : cf.finalLoss !== undefined ? `, loss ${fmt(cf.finalLoss)}` : '';
  const rule = cf.tolerance !== undefined ? ` (change between iterations < ${cf.tolerance})` : '';
  return `${cf.converged ? 'converged' : 'not converged'} after ${cf.iterations} iterations${cf.converged ? rule : ''}${loss}`;
}

/** A number to `digits` places, or "-" when it is not a number. */
export function fixed(v: unknown, digits = 3): string {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '-';
}

const percent = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : '-');

function duration(ms: number): string {
  return ms < 1000 ? `${Math.max(0, Math.round(ms))} ms` : `${(ms / 1000).toFixed(1)}s`;
}

function runTook(r: TrainingRun): number {
  const end = r.finishedAt ? new Date(r.finishedAt).getTime() : Date.now();
  return end - new Date(r.startedAt).getTime();
}

// ---- cs ml train ----------------------------------------------------------------------------------------

interface TrainOptions {
  activate: Policy;
  params?: Record<string, unknown>;
}

function jsonObject(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new InvalidArgumentError('must be a JSON object, e.g. \'{"nmf":{"rank":8}}\'');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new InvalidArgumentError('must be a JSON object');
  return parsed as Record<string, unknown>;
}

/** The API's 409 names the run under way. */
function alreadyTraining(err: unknown) {
  if (!(err instanceof ApiError) || err.status !== 409) return undefined;
  const runId = (err.problem as { runId?: string | null }).runId ?? null;
  return failureWith('Already training', `a model is already being trained${runId ? ` (run ${runId})` : ''}; try again when it has finished`, {
    status: 409,
    runId,
    ...(err.requestId ? { requestId: err.requestId } : {}),
  });
}

/**
 * Follows a run until it finishes: a live Ink view on a terminal, a line per stage otherwise, nothing
 * for --json. Ctrl+C stops watching (exit 130); the run goes on on the server.
 */
async function follow(client: ConnectSphere, started: TrainingRun, mode: 'live' | 'lines' | 'quiet', startedAt: number): Promise<TrainingRun> {
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  // `on`, not `once`: signal-exit (under Ink) kills the process on SIGINT when only its own listeners
  // are left, and a `once` listener is removed before the others run.
  process.on('SIGINT', onSigint);
  try {
    if (mode === 'live') {
      const { showTraining } = await import('../views/training.tsx');
      // Loading Ink took a moment, in which the run moved on: start the view from where it is now.
      const current = await client.ml.run(started.id);
      const display = showTraining(current, { startedAt, color: colorEnabled(process.stderr) });
      try {
        const final = await client.ml.waitForRun(started.id, { intervalMs: 200, signal: abort.signal, onProgress: (r) => display.update(r) });
        await display.finish(final, runMetrics(final.metrics).timingsMs?.stages);
        return final;
      } finally {
        display.stop();
      }
    }
    let last: string | null = null;
    return await client.ml.waitForRun(started.id, {
      intervalMs: 500,
      signal: abort.signal,
      onProgress: (r) => {
        if (mode !== 'lines' || !r.stage || r.stage === last) return;
        last = r.stage;
        println(`[${`${Math.round(r.progress * 100)}%`.padStart(4)}] ${r.stage}`);
      },
    });
  } catch (err) {
    if (!abort.signal.aborted) throw err;
    throw new CliError(ExitCode.cancelled, {
      type: 'https://connectsphere.dev/problems/cli/cancelled',
      title: 'Stopped watching',
      detail: `run ${started.id} goes on on the server; \`cs ml health\` says when the new model is in`,
    });
  } finally {
    process.off('SIGINT', onSigint);
  }
}

function printTrainingResult(r: TrainingRun, activate: Policy): void {
  const p = paint();
  const m = runMetrics(r.metrics);
  if (r.status === 'failed') {
    process.stderr.write(`${paint(process.stderr).red('✗')} Training failed after ${duration(runTook(r))}: ${r.error ?? 'no error message'}\n`);
    return;
  }
  const why = m.comparison?.reason ?? (activate === 'always' ? '--activate always' : activate === 'never' ? '--activate never' : undefined);
  println(`${p.green('✓')} Trained ${p.bold(r.modelVersion ?? '?')} in ${duration(runTook(r))}`);
  println();
  const k = m.holdout?.k ?? 10;
  const components = m.holdout?.components;
  if (components) {
    const rows: [string, keyof Ranking][] = [
      [`NDCG@${k}`, 'ndcg'],
      [`precision@${k}`, 'precision'],
      [`recall@${k}`, 'recall'],
      [`MAP@${k}`, 'map'],
      ['coverage', 'coverage'],
    ];
    println(
      renderTable(rows, [
        { header: 'HOLD-OUT', value: ([label]) => label },
        { header: 'HYBRID', value: ([, key]) => fixed(components.hybrid?.[key]), color: () => p.bold },
        { header: 'POPULARITY', value: ([, key]) => fixed(components.popularity?.[key]) },
      ]),
    );
    println();
  } else {
    note('No hold-out evaluation: too little data on both sides of the cutoff.');
  }
  const pairs: [string, string][] = [];
  if (m.clustering) pairs.push(['Segments', `K = ${m.clustering.k ?? '-'}, silhouette ${fixed(m.clustering.silhouette)}${m.clustering.skipped ? ` (${m.clustering.skipped})` : ''}`]);
  const nmf = describeNmf(m.cf);
  if (nmf) pairs.push(['NMF', nmf]);
  if (m.interactions !== undefined || m.counts) {
    pairs.push(['Data', `${m.interactions ?? '-'} interactions · ${m.counts?.traders ?? '-'} traders · ${m.counts?.products ?? '-'} products`]);
  }
  if (m.holdout?.tradersEvaluated !== undefined) {
    const after = m.holdout.cutoff ? ` after ${when(m.holdout.cutoff)}` : '';
    pairs.push(['Hold-out', `the latest 20% of interactions${after}, ${m.holdout.tradersEvaluated} traders evaluated`]);
  }
  pairs.push(['Version', r.modelVersion ?? '-']);
  pairs.push(['Activated', `${r.activated ? p.green('yes') : p.yellow('no')}${why ? ` (${why})` : ''}`]);
  println(renderPairs(pairs, p));
  if (!r.activated && r.modelVersion) note(p.dim(`Serve it anyway with: cs ml models activate ${r.modelVersion}`));
}

// ---- the commands ---------------------------------------------------------------------------------------

export function registerMl(program: Command): void {
  const ml = program.command('ml').description('The recommendation model (admins): train, evaluate, versions, health, A/B report');

  ml.command('train')
    .description('Train a new model and follow the run to the end (admins)')
    .addOption(
      new Option('--activate <when>', 'serve the new model if_better (than the active one on the same hold-out), always or never')
        .choices(policies)
        .default('if_better'),
    )
    .option('--params <json>', 'training parameters to override, as a JSON object', jsonObject)
    .option('--json', 'print the finished run as JSON (no live view)')
    .addHelpText(
      'after',
      `
On a terminal the run is shown live: its stages, a progress bar and the time so far; otherwise one
line per stage. At the end: the hold-out metrics of the hybrid model next to the popularity baseline,
the segments found, and whether the new version is now served. Ctrl+C stops watching, not the run.

Exit code 1 when the run fails or another one is already going.

Examples:
  $ cs ml train
  $ cs ml train --activate always --params '{"nmf":{"rank":8}}'
  $ cs ml train --json | jq .metrics.holdout.components.hybrid`,
    )
    .action((opts: TrainOptions, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const body: TrainRequest = { activate: opts.activate, ...(opts.params ? { params: opts.params } : {}) };
        const live = !ctx.json && animationsEnabled();
        // Ink takes a moment to load: start loading it while the API starts the run.
        const preload = live ? import('../views/training.tsx').catch(() => undefined) : undefined;
        const askedAt = Date.now();
        let started: TrainingRun;
        try {
          started = await client.ml.train(body);
        } catch (err) {
          throw alreadyTraining(err) ?? err;
        }
        await preload;
        if (!ctx.json && !live) println(`Training started: run ${started.id} (activate ${opts.activate})`);
        const final = await follow(client, started, ctx.json ? 'quiet' : live ? 'live' : 'lines', askedAt);
        if (final.status === 'failed') process.exitCode = ExitCode.failure;
        if (ctx.json) return printJson(final);
        printTrainingResult(final, opts.activate);
      }),
    );

  ml.command('evaluate')
    .description("Evaluate a version's parameters on a hold-out of the current data: each component next to popularity")
    // A positional argument, not --version: that is the program's own flag (`cs --version`), recognised anywhere.
    .argument('[version]', 'model version (default: the active one)')
    .option('--k <n>', 'cut-off of the ranking metrics, 1-50 (default 10)', upTo50)
    .option('--json', 'print the evaluation as JSON')
    .addHelpText(
      'after',
      `
The version's parameters are trained on the earlier 80% of interactions and ranked against the latest
20%, so this takes about as long as a training.

Examples:
  $ cs ml evaluate
  $ cs ml evaluate v20261125-121539-4d15 --k 5`,
    )
    .action((version: string | undefined, opts: { k?: number }, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const body = { ...(version ? { version } : {}), ...(opts.k ? { k: opts.k } : {}) };
        const evaluation = await withSpinner(`Evaluating ${version ?? 'the active model'}`, () => client.ml.evaluate(body), !ctx.json);
        if (ctx.json) return printJson(evaluation);
        const m = evaluation.metrics as Record<string, Ranking> & {
          note?: string;
          liftOverPopularity?: Record<string, { ndcg?: number | null }>;
          holdout?: { cutoff?: string; trainInteractions?: number; testInteractions?: number; tradersEvaluated?: number; traders?: { coldStart?: number; returning?: number } };
          byPath?: Record<string, { traders?: number; ndcg?: Record<string, number> }>;
          verdict?: string | null;
        };
        const p = paint();
        if (typeof m.note === 'string') {
          println(`${evaluation.version}: ${m.note}`);
          return;
        }
        const k = evaluation.k;
        const components = ['hybrid', 'cf', 'content', 'itemKnn', 'popularity'].filter((c) => m[c]);
        const lift = (c: string) => {
          const v = m.liftOverPopularity?.[c]?.ndcg;
          return typeof v === 'number' ? `${v.toFixed(2)}×` : '-';
        };
        println(
          renderTable(components, [
            { header: 'COMPONENT', value: (c) => c, color: (c) => (c === 'hybrid' ? p.bold : undefined) },
            { header: `PRECISION@${k}`, value: (c) => fixed(m[c]?.precision) },
            { header: `RECALL@${k}`, value: (c) => fixed(m[c]?.recall) },
            { header: `NDCG@${k}`, value: (c) => fixed(m[c]?.ndcg) },
            { header: `MAP@${k}`, value: (c) => fixed(m[c]?.map) },
            { header: 'COVERAGE', value: (c) => fixed(m[c]?.coverage) },
            { header: 'NDCG VS POPULARITY', value: (c) => (c === 'popularity' ? '1.00×' : lift(c)) },
          ]),
        );
        // The hybrid routes each trader down one path; its figure on each says where it gains or loses.
        const paths = Object.entries(m.byPath ?? {}).filter(([, v]) => (v.traders ?? 0) > 0);
        if (paths.length > 0) {
          println('');
          println(
            renderTable(paths, [
              { header: 'PATH', value: ([name]) => name },
              { header: 'TRADERS', value: ([, v]) => String(v.traders) },
              ...components.map((c) => ({ header: `${c.toUpperCase()} NDCG@${k}`, value: ([, v]: (typeof paths)[number]) => fixed(v.ndcg?.[c]) })),
            ]),
          );
        }
        if (m.verdict) println(`\n${m.verdict}`);
        const h = m.holdout;
        if (h) {
          const who = h.traders ? `: ${h.traders.returning ?? '-'} returning, ${h.traders.coldStart ?? '-'} new` : '';
          note(
            p.dim(
              `${evaluation.version} · trained on ${h.trainInteractions ?? '-'} interactions before ${h.cutoff ? when(h.cutoff) : '-'}, ` +
                `tested on the ${h.testInteractions ?? '-'} after it (${h.tradersEvaluated ?? '-'} traders${who})`,
            ),
          );
        }
      }),
    );

  const models = ml.command('models').description('Trained model versions (admins): list them, choose the one served');

  models
    // Bare `cs ml models` lists too: listing is what one wants first.
    .command('list', { isDefault: true })
    .description('List the model versions, newest first, with their hold-out metrics (the default)')
    .option('--wide', 'add precision, recall and MAP, the silhouette, and when each was activated')
    .option('--json', 'print {items} as JSON')
    .addHelpText(
      'after',
      `
The metrics are the hybrid model's on its training hold-out (the latest 20% of interactions);
VS POPULARITY is its NDCG over the popularity baseline's, K the number of trader segments.`,
    )
    .action((opts: { wide?: boolean }, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const list = await withSpinner('Loading models', () => client.ml.models(), !ctx.json);
        if (ctx.json) return printJson(list);
        if (list.items.length === 0) return note('No models yet. Train one with: cs ml train');
        const metrics = (v: ModelVersion) => runMetrics(v.metrics);
        const hybrid = (v: ModelVersion) => metrics(v).holdout?.components?.hybrid;
        const lift = (v: ModelVersion) => {
          const h = hybrid(v)?.ndcg;
          const pop = metrics(v).holdout?.components?.popularity?.ndcg;
          return typeof h === 'number' && typeof pop === 'number' && pop > 0 ? `${(h / pop).toFixed(2)}×` : '-';
        };
        const k = metrics(list.items[0]!).holdout?.k ?? 10;
        const columns: Column<ModelVersion>[] = [
          { header: 'VERSION', value: (v) => v.version, color: (v, p) => (v.active ? p.bold : undefined) },
          { header: 'TRAINED', value: (v) => (opts.wide ? when(v.trainedAt) : relative(v.trainedAt)) },
          { header: 'ACTIVE', value: (v) => (v.active ? '✓' : ''), color: (_v, p) => p.green },
          { header: `NDCG@${k}`, value: (v) => fixed(hybrid(v)?.ndcg) },
          ...(opts.wide
            ? [
                { header: `PRECISION@${k}`, value: (v: ModelVersion) => fixed(hybrid(v)?.precision) },
                { header: `RECALL@${k}`, value: (v: ModelVersion) => fixed(hybrid(v)?.recall) },
                { header: `MAP@${k}`, value: (v: ModelVersion) => fixed(hybrid(v)?.map) },
              ]
            : []),
          { header: 'COVERAGE', value: (v) => fixed(hybrid(v)?.coverage) },
          { header: 'VS POPULARITY', value: lift },
          { header: 'K', value: (v) => String(metrics(v).clustering?.k ?? '-') },
          ...(opts.wide ? [{ header: 'SILHOUETTE', value: (v: ModelVersion) => fixed(metrics(v).clustering?.silhouette) }] : []),
          { header: 'INTERACTIONS', value: (v) => String(v.dataWindow.interactions) },
          ...(opts.wide ? [{ header: 'ACTIVATED', value: (v: ModelVersion) => (v.activatedAt ? when(v.activatedAt) : '-') }] : []),
        ];
        println(renderTable(list.items, columns));
      }),
    );

  models
    .command('activate')
    .description('Serve this version from now on (no restart)')
    .argument('<version>', 'a version from `cs ml models list`')
    .option('--json', 'print the version as JSON')
    .action((version: string, opts: unknown, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const activated = await withSpinner(`Activating ${version}`, () => client.ml.activate(version), !ctx.json);
        if (ctx.json) return printJson(activated);
        const p = paint();
        const ndcg = runMetrics(activated.metrics).holdout?.components?.hybrid?.ndcg;
        println(`${p.green('✓')} Now serving ${p.bold(activated.version)} (trained ${when(activated.trainedAt)}${ndcg !== undefined ? `, hold-out NDCG ${fixed(ndcg)}` : ''})`);
      }),
    );

  ml.command('health')
    .description("The active model's age and the data that arrived since it was trained")
    .option('--json', 'print the health report as JSON')
    .action((opts: unknown, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const health = await withSpinner('Checking the model', () => client.ml.health(), !ctx.json);
        if (ctx.json) return printJson(health);
        const p = paint();
        const statusColor: Record<string, (t: string) => string> = { ok: p.green, stale: p.yellow, no_model: p.red, training: p.cyan };
        const m = runMetrics(health.metrics);
        const hybrid = m.holdout?.components?.hybrid;
        const pairs: [string, string][] = [
          ['Status', (statusColor[health.status] ?? ((t: string) => t))(health.status)],
          ['Active version', health.activeVersion ?? '-'],
          ['Trained', health.trainedAt ? `${when(health.trainedAt)} (${relative(health.trainedAt)})` : '-'],
          ['Age', health.ageHours === null ? '-' : `${health.ageHours.toFixed(1)} h`],
          ['New interactions', `${health.interactionsSinceTraining} since training (retrain at ${health.retrainThreshold})`],
        ];
        if (hybrid) pairs.push([`NDCG@${m.holdout?.k ?? 10}`, `${fixed(hybrid.ndcg)} (popularity ${fixed(m.holdout?.components?.popularity?.ndcg)})`]);
        const nmf = describeNmf(m.cf);
        if (nmf) pairs.push(['NMF', nmf]);
        println(renderPairs(pairs, p));
        if (health.status === 'no_model') note(p.dim('No model is served yet: train one with `cs ml train`'));
        if (health.status === 'stale') note(p.dim('Due for retraining (the retrain-model job does it; or run `cs ml train`)'));
      }),
    );

  ml.command('experiments')
    .description('The A/B test of the recommendations: per variant, traders, impressions, clicks, joins and rates')
    .option('--json', 'print the report as JSON')
    .action((opts: unknown, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const report = await withSpinner('Loading the experiment report', () => client.ml.experiments(), !ctx.json);
        if (ctx.json) return printJson(report);
        if (report.variants.length === 0) return note('No variants.');
        println(
          renderTable(report.variants, [
            { header: 'VARIANT', value: (v) => v.name, color: (_v, p: Paint) => p.bold },
            { header: 'TRADERS', value: (v) => String(v.traders) },
            { header: 'SHOWN', value: (v) => String(v.shown) },
            { header: 'CLICKS', value: (v) => String(v.clicks) },
            { header: 'JOINS', value: (v) => String(v.joins) },
            { header: 'CTR', value: (v) => percent(v.ctr) },
            { header: 'JOIN RATE', value: (v) => percent(v.joinRate) },
            { header: 'DESCRIPTION', value: (v) => v.description, flex: true },
          ]),
        );
      }),
    );
}
