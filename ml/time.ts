import type { Timestamp } from './types.ts';

export const DAY_MS = 86_400_000;

export function toMillis(t: Timestamp): number {
  const ms = t instanceof Date ? t.getTime() : typeof t === 'number' ? t : Date.parse(t);
  if (!Number.isFinite(ms)) throw new RangeError(`invalid timestamp: ${String(t)}`);
  return ms;
}

/** Weight multiplier for something `ageMs` old: 1 now, 0.5 after one half-life. Future counts as now. */
export function decay(ageMs: number, halfLifeDays: number): number {
  if (ageMs <= 0) return 1;
  if (!(halfLifeDays > 0)) return 1;
  return 0.5 ** (ageMs / (halfLifeDays * DAY_MS));
}

export function isoOrNull(ms: number): string | null {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}
