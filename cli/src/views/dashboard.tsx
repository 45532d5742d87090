/** @jsxRuntime automatic */
/** @jsxImportSource react */
// `cs dashboard`: a live view for operators, redrawn in place. The frame is a pure function of a
// snapshot (DashboardFrame), so `--once` and the tests draw exactly what the live view draws; the
// live view (LiveDashboard) reads a snapshot as soon as the WebSocket says something changed (and
// every interval besides, for what carries no event), and leaves on q or Ctrl+C.
import { useCallback, useEffect, useRef, useState } from 'react';
import { Box, render, renderToString, Text, useApp, useInput } from 'ink';
import type { DashboardData, Part } from '../dashboard/data.ts';
import { sparkline } from '../charts.ts';
import { Bar } from './training.tsx';


function left(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  if (h >= 24) return `${Math.floor(h / 24)}d ${h % 24}h`;
  return h > 0 ? `${h}h ${Math.floor((seconds % 3600) / 60)}m` : `${Math.floor(seconds / 60)}m`;
}

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text bold>{title}</Text>
      <Box flexDirection="column" marginLeft={2}>
        {children}
      </Box>
    </Box>
  );
}

function Failed({ part }: { part: Part<unknown> }) {
  return part.ok ? null : <Text color="red">unavailable: {part.error}</Text>;
}

export interface FrameProps {
  data: DashboardData | undefined;
  color: boolean;
  /** A failure of the last refresh, shown under the header while the previous snapshot stays up. */
  error?: string | undefined;
  /** Whether keys work (the live view), to say how to leave. */
  live?: boolean;
  /** The live view's source of changes: 'events' while the WebSocket is up, else 'polling'. */
  feed?: 'events' | 'polling';
}

export function DashboardFrame({ data, color, error, live, feed }: FrameProps) {
  const c = (name: string) => (color ? name : undefined);
  if (!data) return <Text>Loading the dashboard…</Text>;
  const { groups, activity, alerts, health } = data;
  const titleWidth = groups.ok ? Math.min(34, Math.max(5, ...groups.value.items.map((g) => g.title.length))) : 0;
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>ConnectSphere</Text>
        <Text dimColor>
          {'  '}
          {data.at.slice(0, 19).replace('T', ' ')} UTC{feed ? `  ·  ${feed === 'events' ? 'live' : 'polling'}` : ''}{live ? '  ·  q to quit' : ''}
        </Text>
      </Text>
      {error ? <Text color={c('red')}>refresh failed: {error} (showing the last good one)</Text> : null}

      <Section title="Open groups by progress">
        <Failed part={groups} />
        {groups.ok && groups.value.items.length === 0 ? <Text dimColor>no open groups</Text> : null}
        {groups.ok
          ? groups.value.items.map((g) => (
              <Text key={g.id}>
                {(g.title.length > titleWidth ? `${g.title.slice(0, titleWidth - 1)}…` : g.title).padEnd(titleWidth)}{' '}
                <Bar progress={g.moqProgress / 100} width={20} color={color} /> {`${Math.round(g.moqProgress)}%`.padStart(4)}
                <Text dimColor>
                  {'  '}
                  {g.paidQuantity}/{g.moq} paid · {g.participantCount} in · {left(g.secondsLeft)} left
                </Text>
              </Text>
            ))
          : null}
        {groups.ok && groups.value.more ? <Text dimColor>… and more</Text> : null}
      </Section>

      <Section title={`Last ${activity.ok ? activity.value.length : 12} hours`}>
        <Failed part={activity} />
        {activity.ok ? (
          <>
            <Text>
              {'payments  '}
              <Text color={c('green')}>{sparkline(activity.value.map((h) => h.payments))}</Text>
              {`  ${activity.value.reduce((a, h) => a + h.payments, 0)} confirmed, ${activity.value.reduce((a, h) => a + h.failedPayments, 0)} failed`}
            </Text>
            <Text>
              {'pickups   '}
              <Text color={c('cyan')}>{sparkline(activity.value.map((h) => h.pickups))}</Text>
              {`  ${activity.value.reduce((a, h) => a + h.pickups, 0)} collected`}
            </Text>
          </>
        ) : null}
      </Section>

      <Section title="Alerts">
        <Failed part={alerts} />
        {alerts.ok && alerts.value.length === 0 ? <Text color={c('green')}>none open</Text> : null}
        {alerts.ok
          ? alerts.value.slice(0, 5).map((a) => (
              <Text key={a.id}>
                <Text color={c(a.severity === 'critical' ? 'red' : 'yellow')}>{a.severity.padEnd(8)}</Text> {a.subject}
                {a.status === 'acknowledged' ? <Text dimColor> (acknowledged)</Text> : null}
              </Text>
            ))
          : null}
      </Section>

      <Section title="Recommendation model">
        <Failed part={health} />
        {health.ok ? (
          <Text>
            <Text color={c(health.value.status === 'ok' ? 'green' : health.value.status === 'no_model' ? 'red' : 'yellow')}>{health.value.status}</Text>
            {health.value.activeVersion ? ` · ${health.value.activeVersion}` : ''}
            {health.value.ageHours !== null ? ` · ${health.value.ageHours.toFixed(1)} h old` : ''}
            {` · ${health.value.interactionsSinceTraining}/${health.value.retrainThreshold} new interactions`}
          </Text>
        ) : null}
      </Section>
    </Box>
  );
}

export interface LiveProps {
  load: () => Promise<DashboardData>;
  intervalMs: number;
  color: boolean;
  /** Called once when the user leaves (q or Ctrl+C), before Ink unmounts. */
  onExit?: () => void;
  /**
   * Real-time changes: called with a notify function (call it when something changed) and a state
   * callback (whether the feed is up); returns how to stop listening.
   */
  changes?: (notify: () => void, onState: (up: boolean) => void) => () => void;
}

/** Events arriving together (a join batch, a payment and its progress) cause one read. */
const settleMs = 150;

export function LiveDashboard({ load, intervalMs, color, onExit, changes }: LiveProps) {
  const { exit } = useApp();
  const [data, setData] = useState<DashboardData>();
  const [error, setError] = useState<string>();
  const stopped = useRef(false);
  const leave = useCallback(() => {
    if (stopped.current) return;
    stopped.current = true;
    onExit?.();
    exit();
  }, [exit, onExit]);
  useInput((input, key) => {
    if (input === 'q' || input === 'Q' || (key.ctrl && input === 'c') || key.escape) leave();
  });
  const [feedUp, setFeedUp] = useState(false);
  useEffect(() => {
    let timer: NodeJS.Timeout | undefined;
    let reading = false;
    let changed = false;
    // One read at a time: the next waits for this one, so a slow API is never asked twice at once;
    // a change heard during a read makes the next read start right after it.
    const tick = async () => {
      reading = true;
      changed = false;
      try {
        const next = await load();
        if (stopped.current) return;
        setData(next);
        setError(undefined);
      } catch (err) {
        if (!stopped.current) setError(err instanceof Error ? err.message : String(err));
      }
      reading = false;
      if (!stopped.current) timer = setTimeout(tick, changed ? settleMs : intervalMs);
    };
    const notify = () => {
      if (stopped.current) return;
      if (reading) return void (changed = true);
      clearTimeout(timer);
      timer = setTimeout(tick, settleMs);
    };
    const stopChanges = changes?.(notify, setFeedUp);
    void tick();
    return () => {
      stopped.current = true;
      clearTimeout(timer);
      stopChanges?.();
    };
  }, [load, intervalMs, changes]);
  return <DashboardFrame data={data} color={color} error={error} live feed={changes ? (feedUp ? 'events' : 'polling') : undefined} />;
}

/** One frame as text, for `--once` and pipes. */
export function dashboardText(data: DashboardData, color: boolean, columns = 100): string {
  return renderToString(<DashboardFrame data={data} color={color} />, { columns });
}

/**
 * Runs the live view on the terminal until q or Ctrl+C. Ink puts stdin in raw mode for the keys and
 * restores it when it unmounts; exitOnCtrlC is off so Ctrl+C goes through the same clean exit as q.
 */
export async function runDashboard(props: Omit<LiveProps, 'onExit'>): Promise<void> {
  const instance = render(<LiveDashboard {...props} />, { exitOnCtrlC: false, patchConsole: false });
  await instance.waitUntilExit();
}
