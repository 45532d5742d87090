// Shared helpers for the group-buying commands: money, times, ids, option parsers, and asking before
// something that cannot be undone.
import { InvalidArgumentError } from 'commander';
import { CliError, ExitCode, failure, usageError, type Problem } from './output.ts';

// ---- money ----------------------------------------------------------------------------------------------

/** Integer minor units to "USD 46.20" (thousands grouped: "USD 1,250.00"); exact, no floating point. */
export function money(minor: number, currency: string): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(minor));
  const whole = Math.floor(abs / 100).toLocaleString('en-US');
  const cents = String(abs % 100).padStart(2, '0');
  return `${currency} ${sign}${whole}.${cents}`;
}

// ---- ids ------------------------------------------------------------------------------------------------

export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The first 8 characters of a UUID: what tables show unless --wide. Any unique prefix is accepted back. */
export const shortId = (id: string) => id.slice(0, 8);

/** A full UUID, or a prefix of one (at least 4 hex digits, dashes allowed) to be looked up. */
export function idRef(ref: string, kind: string): { id: string } | { prefix: string } {
  const trimmed = ref.trim().toLowerCase();
  if (uuidPattern.test(trimmed)) return { id: trimmed };
  if (/^[0-9a-f-]{4,36}$/.test(trimmed) && /^[0-9a-f]{4}/.test(trimmed)) return { prefix: trimmed };
  throw usageError(`"${ref}" is not a ${kind} id (a UUID, or the first characters of one as tables show)`);
}

/** Finds the one candidate whose id starts with `prefix`; none or several is a failure naming them. */
export async function matchPrefix<T extends { id: string }>(prefix: string, kind: string, candidates: AsyncIterable<T>): Promise<string> {
  const found: string[] = [];
  for await (const c of candidates) {
    if (c.id.startsWith(prefix) && !found.includes(c.id)) found.push(c.id);
  }
  if (found.length === 1) return found[0]!;
  if (found.length === 0) throw failure('Not found', `no ${kind} id starts with ${prefix}`);
  throw failure('Ambiguous id', `${found.length} ${kind}s start with ${prefix} (${found.map(shortId).join(', ')}); give more characters`);
}

// ---- time -----------------------------------------------------------------------------------------------

/** A span in seconds as "2d 4h", "5h 12m", "12m", "40s": the two largest units, for tables. */
export function span(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return h ? `${d}d ${h}h` : `${d}d`;
  if (h > 0) return m ? `${h}h ${m}m` : `${h}h`;
  if (m > 0) return `${m}m`;
  return `${s}s`;
}

/** "in 2d 4h" or "3m ago" relative to now. */
export function relative(iso: string, now = Date.now()): string {
  const diff = (new Date(iso).getTime() - now) / 1000;
  if (Math.abs(diff) < 1) return 'just now';
  return diff > 0 ? `in ${span(diff)}` : `${span(-diff)} ago`;
}

/** An ISO timestamp shortened for people: "2026-03-14 09:30 UTC". */
export function when(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

const durationUnits: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** A deadline as an ISO date-time, a date (end of that day, UTC), or a duration from now: 30m, 12h, 7d, 2w. */
export function deadline(value: string, now = Date.now()): string {
  const v = value.trim();
  const duration = /^(\d+)\s*([mhdw])$/i.exec(v);
  if (duration) {
    const ms = Number(duration[1]) * durationUnits[duration[2]!.toLowerCase()]!;
    if (ms <= 0) throw new InvalidArgumentError('must be in the future');
    return new Date(now + ms).toISOString();
  }
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(v);
  const parsed = new Date(dateOnly ? `${v}T23:59:59Z` : v);
  if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(parsed.getTime())) {
    throw new InvalidArgumentError('must be an ISO date-time (2026-12-15T17:00:00Z), a date, or a duration like 7d, 12h, 2w');
  }
  if (parsed.getTime() <= now) throw new InvalidArgumentError('must be in the future');
  return parsed.toISOString();
}

// ---- option parsers -------------------------------------------------------------------------------------

export function pageSize(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new InvalidArgumentError('must be a whole number from 1 to 100');
  return n;
}

/** A `--limit` or `--k` of at most 50 (the recommendation endpoints' maximum). */
export function upTo50(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 50) throw new InvalidArgumentError('must be a whole number from 1 to 50');
  return n;
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100_000_000) throw new InvalidArgumentError('must be a whole number of at least 1');
  return n;
}

export function uuidOption(value: string): string {
  if (!uuidPattern.test(value.trim())) throw new InvalidArgumentError('must be an id (UUID)');
  return value.trim().toLowerCase();
}

/** For repeatable options whose values are checked later (ids that may be prefixes, URLs). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** For repeatable options: `--pickup-point a --pickup-point b`. */
export function collectUuid(value: string, previous: string[] = []): string[] {
  return [...previous, uuidOption(value)];
}

// ---- confirmation ---------------------------------------------------------------------------------------

/**
 * Before an irreversible step: without --yes and without a terminal there is nobody to ask, so scripts
 * must pass --yes (exit 2). Called first, so such a run fails before any request.
 */
export function checkConfirmable(yes: boolean | undefined, what: string): void {
  if (!yes && !process.stdin.isTTY) throw usageError(`stdin is not a terminal, so nobody can confirm; pass --yes to ${what}`);
}

/** Asks on the terminal (the prompt draws on stderr) unless --yes. Declining is exit 1 with nothing done. */
export async function confirmOrStop(message: string, yes: boolean | undefined, what: string): Promise<void> {
  if (yes) return;
  checkConfirmable(yes, what);
  const { confirm } = await import('@inquirer/prompts');
  const ok = await confirm({ message, default: false }, { output: process.stderr });
  if (!ok) throw failure('Cancelled', `nothing done; did not ${what}`);
}

/** A failure whose problem carries extra members (as the API's problems do), for --json callers. */
export function failureWith(title: string, detail: string, extensions: Record<string, unknown>): CliError {
  const base = failure(title, detail);
  return new CliError(ExitCode.failure, { ...base.problem, ...extensions } as Problem);
}
