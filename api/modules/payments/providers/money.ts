// The one place where minor units (what we store) meet major units (what Flutterwave speaks).
// Amounts in this codebase are integer minor units; Flutterwave's API, its webhooks and its
// verify answers use major units as JSON numbers (46.2 for USD 46.20).

/** Minor units (integer cents) → major units as a number: 4620 → 46.2. */
export function toMajor(minor: number): number {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`Amount in minor units must be an integer, got ${minor}`);
  return minor / 100;
}

/**
 * Major units as Flutterwave sends them → integer minor units: 46.2 → 4620, 1238.16 → 123816.
 * Rounds to the nearest cent, because 46.2 * 100 is 4620.000000000001 in floating point.
 */
export function toMinor(major: number): number {
  if (typeof major !== 'number' || !Number.isFinite(major)) {
    throw new RangeError(`Amount in major units must be a finite number, got ${String(major)}`);
  }
  const minor = Math.round(major * 100);
  return minor === 0 ? 0 : minor; // never -0
}

/** For people: "USD 46.20", "ZWG 1,238.16", "USD -3.05". Integer arithmetic only. */
export function formatMinor(minor: number, currency: string): string {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`Amount in minor units must be an integer, got ${minor}`);
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  const whole = String(Math.trunc(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const cents = String(abs % 100).padStart(2, '0');
  return `${currency} ${sign}${whole}.${cents}`;
}
