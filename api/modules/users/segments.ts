// Places a trader in a segment from where they trade, what they buy and how much they spend, so
// admins and the recommender can treat similar traders alike before any purchase history exists.

export interface SegmentInput {
  market: string;
  categories: string[];
  budgetMax: number | undefined;
}

const lines: Record<string, string> = {
  'mealie-meal': 'groceries',
  'cooking-oil': 'groceries',
  sugar: 'groceries',
  rice: 'groceries',
  beverages: 'groceries',
  soap: 'household',
  cosmetics: 'beauty',
  'clothing-bales': 'clothing',
  hardware: 'hardware',
  'phone-accessories': 'electronics',
};

export function lineOfBusiness(categories: string[]): string {
  const counts = new Map<string, number>();
  for (const c of categories) {
    const line = lines[c];
    if (line) counts.set(line, (counts.get(line) ?? 0) + 1);
  }
  // Most frequent line; ties go to the first listed, which the trader presumably cares most about.
  let best = 'general';
  let bestCount = 0;
  for (const [line, n] of counts) if (n > bestCount) [best, bestCount] = [line, n];
  return best;
}

export function budgetTier(budgetMaxMinor: number | undefined): string {
  if (budgetMaxMinor === undefined) return 'unknown-budget';
  if (budgetMaxMinor <= 5_000) return 'micro-budget';
  if (budgetMaxMinor <= 20_000) return 'small-budget';
  if (budgetMaxMinor <= 100_000) return 'mid-budget';
  return 'large-budget';
}

export const slug = (s: string) =>
  s
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

/** e.g. "mbare-musika:groceries:small-budget" */
export function segmentOf(input: SegmentInput): string {
  return [slug(input.market), lineOfBusiness(input.categories), budgetTier(input.budgetMax)].join(':');
}
