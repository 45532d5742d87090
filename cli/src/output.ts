// Everything the CLI prints goes through here: JSON for machines, aligned tables for people, colour only for
// terminals, and one mapping from failures to exit codes so every command behaves the same.
import { ApiError, NetworkError, TimeoutError } from '@connectsphere/sdk';

export const ExitCode = { ok: 0, failure: 1, usage: 2, auth: 3, cancelled: 130 } as const;

/** The RFC 9457 shape the API answers with; local failures use it too so `--json` callers parse one shape. */
export interface Problem {
  type: string;
  title: string;
  status?: number;
  detail?: string;
  errors?: { field: string; message: string }[];
  requestId?: string;
}

const problemBase = 'https://connectsphere.dev/problems/cli/';

/** A failure the CLI itself detected, carrying its exit code. */
export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    readonly problem: Problem,
  ) {
    super(problem.detail ?? problem.title);
  }
}

export const usageError = (detail: string) => new CliError(ExitCode.usage, { type: `${problemBase}usage`, title: 'Usage error', detail });
export const notSignedIn = (detail: string) =>
  new CliError(ExitCode.auth, { type: `${problemBase}not-signed-in`, title: 'Not signed in', detail });
export const failure = (title: string, detail?: string) =>
  new CliError(ExitCode.failure, { type: `${problemBase}${title.toLowerCase().replace(/[^a-z]+/g, '-')}`, title, detail });

// ---- colour ---------------------------------------------------------------------------------------------

/** https://no-color.org: any non-empty NO_COLOR disables colour; so does a pipe or a dumb terminal. */
export function colorEnabled(stream: NodeJS.WriteStream): boolean {
  if (process.env.NO_COLOR) return false;
  return Boolean(stream.isTTY) && process.env.TERM !== 'dumb';
}

/** Spinners and other redrawing output only make sense on a terminal a person is watching. */
export function animationsEnabled(stream: NodeJS.WriteStream = process.stderr): boolean {
  return Boolean(stream.isTTY && process.stdout.isTTY) && process.env.TERM !== 'dumb' && !process.env.CI;
}

const sgr = (open: number, close: number) => (on: boolean) => (text: string) => (on ? `\x1b[${open}m${text}\x1b[${close}m` : text);
const codes = { bold: sgr(1, 22), dim: sgr(2, 22), red: sgr(31, 39), green: sgr(32, 39), yellow: sgr(33, 39), cyan: sgr(36, 39) };
export type Paint = { [K in keyof typeof codes]: (text: string) => string };

export function paint(stream: NodeJS.WriteStream = process.stdout): Paint {
  const on = colorEnabled(stream);
  return Object.fromEntries(Object.entries(codes).map(([k, f]) => [k, f(on)])) as Paint;
}

// ---- printing -------------------------------------------------------------------------------------------

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function println(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/** Notes and hints go to stderr so a table piped into grep or a file stays just the table. */
export function note(text: string): void {
  process.stderr.write(`${text}\n`);
}

// ---- tables ---------------------------------------------------------------------------------------------

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  /** Colour applied after padding, so escape codes never count towards the width. */
  color?: (row: T, p: Paint) => ((text: string) => string) | undefined;
  /** May be shortened with … when the terminal is too narrow. */
  flex?: boolean;
}

const width = (s: string) => [...s].length;
const truncate = (s: string, max: number) => (width(s) <= max ? s : `${[...s].slice(0, Math.max(1, max - 1)).join('')}…`);

export function renderTable<T>(rows: T[], columns: Column<T>[], p: Paint = paint(), maxWidth = terminalWidth()): string {
  const cells = rows.map((row) => columns.map((c) => c.value(row).replace(/\s+/g, ' ')));
  const widths = columns.map((c, i) => Math.max(width(c.header), ...cells.map((r) => width(r[i]!))));
  const gutter = 2;
  // Shrink the widest flexible column until the table fits; never below its header or 8 characters.
  if (maxWidth) {
    const total = () => widths.reduce((a, b) => a + b, 0) + gutter * (columns.length - 1);
    while (total() > maxWidth) {
      let widest = -1;
      columns.forEach((c, i) => {
        const floor = Math.max(8, width(c.header));
        if (c.flex && widths[i]! > floor && (widest < 0 || widths[i]! > widths[widest]!)) widest = i;
      });
      if (widest < 0) break;
      widths[widest]! -= 1;
    }
  }
  const line = (values: string[], colorOf: (i: number) => ((t: string) => string) | undefined) =>
    values
      .map((v, i) => {
        const text = truncate(v, widths[i]!);
        // No trailing spaces after the last column.
        const padded = i === values.length - 1 ? text : text + ' '.repeat(widths[i]! - width(text));
        return colorOf(i)?.(padded) ?? padded;
      })
      .join(' '.repeat(gutter));
  const header = line(
    columns.map((c) => c.header),
    () => p.bold,
  );
  const body = rows.map((row, r) => line(cells[r]!, (i) => columns[i]!.color?.(row, p)));
  return [header, ...body].join('\n');
}

/** Label/value pairs for one record (`whoami`, `users show`). */
export function renderPairs(pairs: [string, string][], p: Paint = paint()): string {
  const w = Math.max(...pairs.map(([k]) => width(k)));
  return pairs.map(([k, v]) => `${p.bold(k + ' '.repeat(w - width(k)))}  ${v}`).join('\n');
}

function terminalWidth(): number | undefined {
  // Only a terminal has a width; piped output is never cut.
  return process.stdout.isTTY ? process.stdout.columns : undefined;
}

// ---- failures -------------------------------------------------------------------------------------------

export interface Failure {
  exitCode: number;
  problem: Problem;
}

/** Maps anything thrown by a command to a problem and an exit code. */
export function toFailure(err: unknown, apiUrl?: string): Failure {
  if (err instanceof CliError) return { exitCode: err.exitCode, problem: err.problem };
  if (err instanceof ApiError) {
    const problem: Problem = { ...err.problem };
    if (!problem.requestId && err.requestId) problem.requestId = err.requestId;
    return { exitCode: err.status === 401 || err.status === 403 ? ExitCode.auth : ExitCode.failure, problem };
  }
  if (err instanceof TimeoutError) {
    return failure('The API did not answer in time', `${apiUrl ?? 'the server'} took too long; try again later`);
  }
  if (err instanceof NetworkError) {
    const detail = `${err.message}${apiUrl ? ` (API URL ${apiUrl}; is the server running? try \`cs serve\`)` : ''}`;
    return failure('Cannot reach the API', detail);
  }
  // @inquirer/prompts rejects with ExitPromptError when the user presses Ctrl+C at a prompt.
  if (err instanceof Error && err.name === 'ExitPromptError') {
    return { exitCode: ExitCode.cancelled, problem: { type: `${problemBase}cancelled`, title: 'Cancelled' } };
  }
  const message = err instanceof Error ? err.message : String(err);
  return failure('Unexpected error', message);
}

/** One line a person can act on: title, detail, the fields at fault, and the request id for support. */
export function problemLine(problem: Problem, hint?: string): string {
  let line = problem.title;
  if (problem.detail && problem.detail !== problem.title) line += `: ${problem.detail}`;
  // The API repeats the field errors in `detail`; only add the ones that are not already there.
  const fields = (problem.errors ?? []).map((e) => `${e.field}: ${e.message}`).filter((f) => !problem.detail?.includes(f));
  if (fields.length) line += ` (${fields.join('; ')})`;
  if (hint) line += `. ${hint}`;
  if (problem.requestId) line += ` [request ${problem.requestId}]`;
  return line;
}

export function reportFailure(f: Failure, json: boolean, hint?: string): void {
  if (json) {
    process.stderr.write(`${JSON.stringify(f.problem)}\n`);
    return;
  }
  const p = paint(process.stderr);
  process.stderr.write(`${p.red('Error:')} ${problemLine(f.problem, hint)}\n`);
}

// ---- progress -------------------------------------------------------------------------------------------

/**
 * Runs `work`, showing an Ink spinner on stderr while it is slow. Off for `--json`, pipes and CI.
 * Loading Ink (React plus a WebAssembly layout engine) takes the better part of a second, so it is only
 * loaded once the call has already taken a moment: quick calls never pay for it, and slow ones get the
 * spinner as soon as Ink is ready. main.ts exits when the command is done instead of waiting for a load
 * that is no longer needed.
 */
export async function withSpinner<T>(label: string, work: () => Promise<T>, enabled = true): Promise<T> {
  if (!enabled || !animationsEnabled()) return work();
  let done = false;
  let stop: (() => void) | undefined;
  const timer = setTimeout(() => {
    import('./spinner.tsx').then(
      ({ showSpinner }) => {
        if (!done) stop = showSpinner(label, colorEnabled(process.stderr));
      },
      // A spinner is decoration: failing to draw one must never fail the command.
      () => undefined,
    );
  }, 150);
  try {
    return await work();
  } finally {
    done = true;
    clearTimeout(timer);
    stop?.();
  }
}
