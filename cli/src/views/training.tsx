/** @jsxRuntime automatic */
/** @jsxImportSource react */
// The live view of `cs ml train` on a terminal: the run's stages (done, current with a spinner,
// still to come), a progress bar for the whole run and the time so far. Drawn on stderr, so stdout
// keeps only the result; the command feeds it each polled snapshot of the run.
import { useEffect, useState } from 'react';
import { Box, render, Text } from 'ink';
import { trainingStages, type TrainingRun } from '@connectsphere/sdk';

const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** What each stage does, in a few words. */
export const stageDescriptions: Record<string, string> = {
  features: 'trader and product features',
  clustering: 'k-means trader segments',
  cf: 'collaborative filtering (NMF)',
  content: 'TF-IDF content similarity',
  popularity: 'popularity baseline',
  evaluation: 'hold-out evaluation',
  saving: 'saving the model',
};

export interface TrainingViewProps {
  run: TrainingRun;
  /** When the command asked for the run (ms since the epoch, local clock): elapsed time counts from here while it runs. */
  startedAt: number;
  color: boolean;
  /** Per-stage durations in ms, when the run reports them (at the end). */
  stageMs?: Record<string, number> | undefined;
}

/** The documented stages, plus any other the run reports, in the order they come. */
function stagesOf(run: TrainingRun): string[] {
  const known: string[] = [...trainingStages];
  return run.stage && !known.includes(run.stage) ? [...known, run.stage] : known;
}

type StageState = 'done' | 'current' | 'failed' | 'pending';

function stateOf(stage: string, stages: string[], run: TrainingRun): StageState {
  if (run.status === 'succeeded') return 'done';
  const current = run.stage ? stages.indexOf(run.stage) : -1;
  const i = stages.indexOf(stage);
  if (i < current) return 'done';
  if (i === current) return run.status === 'failed' ? 'failed' : 'current';
  return 'pending';
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)}s`;
}

/** A progress bar of `width` cells (also drawn by the dashboard). */
export function Bar({ progress, width, color }: { progress: number; width: number; color: boolean }) {
  const filled = Math.round(Math.min(1, Math.max(0, progress)) * width);
  return (
    <Text>
      <Text color={color ? 'green' : undefined}>{'█'.repeat(filled)}</Text>
      <Text dimColor>{'░'.repeat(width - filled)}</Text>
    </Text>
  );
}

export function TrainingView({ run, startedAt, color, stageMs }: TrainingViewProps) {
  const finished = run.status === 'succeeded' || run.status === 'failed';
  const [frame, setFrame] = useState(0);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (finished) return;
    const timer = setInterval(() => {
      setFrame((n) => (n + 1) % frames.length);
      setNow(Date.now());
    }, 80);
    return () => clearInterval(timer);
  }, [finished]);

  const stages = stagesOf(run);
  const nameWidth = Math.max(...stages.map((s) => s.length));
  const descriptionWidth = Math.max(...stages.map((s) => (stageDescriptions[s] ?? '').length));
  // Once finished, the server's own times; until then, the time since the command asked for the run.
  const elapsed = run.finishedAt ? new Date(run.finishedAt).getTime() - new Date(run.startedAt).getTime() : now - startedAt;
  const c = (name: string) => (color ? name : undefined);
  return (
    <Box flexDirection="column" marginBottom={1}>
      <Text>
        <Text bold>Training a recommendation model</Text>
        <Text dimColor>
          {'  '}run {run.id.slice(0, 8)}
          {run.status === 'queued' ? ' · queued' : ''}
        </Text>
      </Text>
      <Box flexDirection="column" marginY={1} marginLeft={2}>
        {stages.map((stage) => {
          const state = stateOf(stage, stages, run);
          const icon = { done: '✓', current: frames[frame], failed: '✗', pending: '·' }[state];
          const iconColor = { done: c('green'), current: c('cyan'), failed: c('red'), pending: undefined }[state];
          const took = stageMs?.[stage];
          const cf = stage === 'cf' && state === 'current' ? (run.metrics as { cf?: { iterations?: number; loss?: number } }).cf : undefined;
          return (
            <Text key={stage} dimColor={state === 'pending'}>
              <Text color={iconColor}>{icon}</Text> <Text bold={state === 'current'}>{stage.padEnd(nameWidth)}</Text>
              {'  '}
              <Text dimColor>{(stageDescriptions[stage] ?? '').padEnd(descriptionWidth)}</Text>
              {took !== undefined && state === 'done' ? <Text dimColor>{`  ${formatMs(took).padStart(7)}`}</Text> : null}
              {cf?.iterations !== undefined && cf.loss !== undefined ? <Text dimColor>{`  iteration ${cf.iterations} · loss ${cf.loss.toPrecision(6)}`}</Text> : null}
            </Text>
          );
        })}
      </Box>
      <Text>
        <Bar progress={run.progress} width={30} color={color} /> {`${Math.round(run.progress * 100)}%`.padStart(4)}
        <Text dimColor>{`  ${formatMs(Math.max(0, elapsed))}`}</Text>
        {run.status === 'failed' ? <Text color={c('red')}>{'  failed'}</Text> : null}
        {run.status === 'succeeded' ? <Text color={c('green')}>{'  done'}</Text> : null}
      </Text>
    </Box>
  );
}

export interface TrainingDisplay {
  update(run: TrainingRun): void;
  /** Draws the last snapshot and leaves it on the screen. */
  finish(run: TrainingRun, stageMs?: Record<string, number>): Promise<void>;
  /** Stops drawing, leaving what is on the screen (Ctrl+C). */
  stop(): void;
}

/** Starts the live view on stderr. */
export function showTraining(first: TrainingRun, options: { startedAt: number; color: boolean }): TrainingDisplay {
  const view = (run: TrainingRun, stageMs?: Record<string, number>) => (
    <TrainingView run={run} startedAt={options.startedAt} color={options.color} stageMs={stageMs} />
  );
  const instance = render(view(first), {
    stdout: process.stderr,
    patchConsole: false,
    // Ctrl+C keeps its default meaning; the command handles SIGINT itself.
    exitOnCtrlC: false,
  });
  let stopped = false;
  return {
    update(run) {
      if (!stopped) instance.rerender(view(run));
    },
    async finish(run, stageMs) {
      if (stopped) return;
      stopped = true;
      instance.rerender(view(run, stageMs));
      instance.unmount();
      await instance.waitUntilExit();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      instance.unmount();
    },
  };
}
