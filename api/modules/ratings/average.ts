/** The mean of `count` scores adding up to `sum`, to two decimals; null before the first rating. */
export function ratingAverage(sum: number, count: number): number | null {
  return count > 0 ? Math.round((sum / count) * 100) / 100 : null;
}
