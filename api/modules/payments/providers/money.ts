// The one place where minor units (what we store) meet major units (what Flutterwave speaks).
// Amounts in this codebase are integer minor units; Flutterwave's API, its webhooks and its
// verify answers use major units as JSON numbers (46.2 for USD 46.20).

/** Minor units (integer cents) → major units as a number: 4620 → 46.2. */
export function toMajor(minor: number): number {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`Amount in minor units must be an integer, got ${minor}`);
  return minor / 100;
}

/** Major units as Flutterwave sends them → integer minor units (46.2 → 4620): the SDK's, which reads webhooks with it. */
export { majorToMinor as toMinor } from '@connectsphere/sdk';

/** For people: "USD 46.20", "ZWG 1,238.16", "USD -3.05". Integer arithmetic only. */
export function formatMinor(minor: number, currency: string): string {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`Amount in minor units must be an integer, got ${minor}`);
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  const whole = String(Math.trunc(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const cents = String(abs % 100).padStart(2, '0');
  return `${currency} ${sign}${whole}.${cents}`;
}
