/**
 * A unique violation (23505) from either driver (drizzle wraps the driver's error in `cause`),
 * optionally of one constraint (when the driver names it).
 */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const candidates = [err, (err as { cause?: unknown } | null)?.cause] as ({ code?: string; constraint?: string } | null | undefined)[];
  return candidates.some(
    (e) => typeof e === 'object' && e !== null && e.code === '23505' && (constraint === undefined || e.constraint === undefined || e.constraint === constraint),
  );
}
