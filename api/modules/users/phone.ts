import { badRequest } from '../../errors.ts';

/**
 * Normalizes a phone number to E.164. Traders write numbers the local way (0772 123 456), so a
 * number without a country code is taken as Zimbabwean (+263).
 */
export function normalizePhone(raw: string, field = 'body.phone'): string {
  const digits = raw.replace(/[\s()-]/g, '');
  let e164: string;
  if (digits.startsWith('+')) e164 = digits;
  else if (digits.startsWith('00')) e164 = `+${digits.slice(2)}`;
  else if (digits.startsWith('263')) e164 = `+${digits}`;
  else if (digits.startsWith('0')) e164 = `+263${digits.slice(1)}`;
  else e164 = `+263${digits}`;
  if (!/^\+[1-9][0-9]{7,14}$/.test(e164)) throw badRequest(field, 'is not a valid phone number');
  // Zimbabwean numbers have nine digits after the country code.
  if (e164.startsWith('+263') && e164.length !== 13) throw badRequest(field, 'is not a valid Zimbabwean number (+263 and 9 digits)');
  return e164;
}
