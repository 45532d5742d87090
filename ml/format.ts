// Small text helpers for explanation reasons.

const SYMBOLS: Readonly<Record<string, string>> = { USD: '$', ZAR: 'R', GBP: '£', EUR: '€' };

/** 5000 → "$50", 5050 → "$50.50" (integer minor units, two decimals). */
export function formatMoney(minor: number, currency = 'USD'): string {
  const major = minor / 100;
  const text = Number.isInteger(major) ? String(major) : major.toFixed(2);
  const symbol = SYMBOLS[currency];
  return symbol ? `${symbol}${text}` : `${currency} ${text}`;
}

/** "cooking-oil" → "cooking oil". */
export function categoryLabel(category: string): string {
  return category.replace(/[-_]+/g, ' ').trim();
}

export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : pluralForm}`;
}
