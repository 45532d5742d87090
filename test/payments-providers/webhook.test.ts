import { describe, expect, it } from 'vitest';
import { formatMinor, toMajor, toMinor } from '../../api/modules/payments/providers/money.ts';
import { parseFlutterwaveWebhook, verifyWebhookSignature } from '../../api/modules/payments/providers/webhook.ts';

const SECRET = 'whsec-mbare-9f8e7d6c';

describe('verifyWebhookSignature', () => {
  it('accepts the configured secret hash', () => {
    expect(verifyWebhookSignature(SECRET, SECRET)).toBe(true);
  });

  it('rejects a wrong hash of the same length', () => {
    expect(verifyWebhookSignature(`${SECRET.slice(0, -1)}x`, SECRET)).toBe(false);
  });

  it('rejects a missing header, an empty one, and hashes of another length', () => {
    expect(verifyWebhookSignature(undefined, SECRET)).toBe(false);
    expect(verifyWebhookSignature('', SECRET)).toBe(false);
    expect(verifyWebhookSignature(SECRET.slice(0, -1), SECRET)).toBe(false);
    expect(verifyWebhookSignature(`${SECRET}0`, SECRET)).toBe(false);
    expect(verifyWebhookSignature(SECRET.toUpperCase(), SECRET)).toBe(false);
  });

  it('rejects everything when no secret is configured', () => {
    expect(verifyWebhookSignature('', '')).toBe(false);
    expect(verifyWebhookSignature(undefined, '')).toBe(false);
  });
});

describe('parseFlutterwaveWebhook', () => {
  it('reads the current shape (event + data), amounts in minor units', () => {
    const event = parseFlutterwaveWebhook({
      event: 'charge.completed',
      data: {
        id: 285959875,
        tx_ref: 'cs-abc',
        flw_ref: 'FLW-MOCK-1',
        amount: 46.2,
        currency: 'USD',
        charged_amount: 46.85,
        app_fee: 0.65,
        status: 'successful',
        payment_type: 'mobilemoneyzw',
        created_at: '2026-03-19T09:34:27.000Z',
        customer: { email: 'tendai@example.co.zw' },
      },
      'event.type': 'MOBILEMONEYZW_TRANSACTION',
    });
    expect(event).toEqual({
      transactionId: '285959875',
      txRef: 'cs-abc',
      status: 'successful',
      amount: 4620,
      currency: 'USD',
      eventKey: '285959875:successful',
    });
  });

  it('reads the legacy flat shape (txRef), ZWG included', () => {
    const event = parseFlutterwaveWebhook({
      id: 126122,
      txRef: 'cs-zwg',
      flwRef: 'FLW-MOCK-2',
      orderRef: 'URF_1',
      amount: 1238.16,
      charged_amount: 1238.16,
      status: 'failed',
      currency: 'ZWG',
      'event.type': 'CARD_TRANSACTION',
    });
    expect(event).toEqual({
      transactionId: '126122',
      txRef: 'cs-zwg',
      status: 'failed',
      amount: 123816,
      currency: 'ZWG',
      eventKey: '126122:failed',
    });
  });

  it('gives a different event key when the same transaction changes status', () => {
    const a = parseFlutterwaveWebhook({ event: 'charge.completed', data: { id: 1, status: 'pending' } });
    const b = parseFlutterwaveWebhook({ event: 'charge.completed', data: { id: 1, status: 'successful' } });
    expect(a.eventKey).not.toBe(b.eventKey);
  });

  it('keys an event without id by a hash of its body, whatever the key order', () => {
    const a = parseFlutterwaveWebhook({ event: 'charge.completed', data: { tx_ref: 'cs-1', amount: 5, status: 'successful' } });
    const b = parseFlutterwaveWebhook({ data: { status: 'successful', amount: 5, tx_ref: 'cs-1' }, event: 'charge.completed' });
    const c = parseFlutterwaveWebhook({ event: 'charge.completed', data: { tx_ref: 'cs-1', amount: 6, status: 'successful' } });
    expect(a.transactionId).toBeUndefined();
    expect(a.eventKey).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b.eventKey).toBe(a.eventKey);
    expect(c.eventKey).not.toBe(a.eventKey);
  });

  it('leaves missing or mistyped fields undefined instead of throwing', () => {
    expect(parseFlutterwaveWebhook({ data: { id: 'FLW-9', amount: 'lots', status: 3 } })).toMatchObject({
      transactionId: 'FLW-9',
      amount: undefined,
      status: undefined,
      txRef: undefined,
      currency: undefined,
    });
    for (const body of [null, 'text', 42, [1, 2]]) {
      expect(parseFlutterwaveWebhook(body)).toMatchObject({ transactionId: undefined, txRef: undefined, amount: undefined });
    }
  });

  it('accepts a numeric string amount', () => {
    expect(parseFlutterwaveWebhook({ data: { id: 1, amount: '46.20' } }).amount).toBe(4620);
  });
});

describe('money', () => {
  it('converts between minor and major units, rounding to the cent', () => {
    expect(toMajor(4620)).toBe(46.2);
    expect(toMajor(123816)).toBe(1238.16);
    expect(toMinor(46.2)).toBe(4620);
    expect(toMinor(1238.16)).toBe(123816);
    expect(toMinor(0.29)).toBe(29);
    expect(toMinor(19.99)).toBe(1999);
    expect(Object.is(toMinor(-0.001), 0)).toBe(true);
    expect(() => toMajor(46.2)).toThrow(RangeError);
    expect(() => toMinor(Number.NaN)).toThrow(RangeError);
  });

  it('formats for people', () => {
    expect(formatMinor(4620, 'USD')).toBe('USD 46.20');
    expect(formatMinor(123816, 'ZWG')).toBe('ZWG 1,238.16');
    expect(formatMinor(123456789, 'ZWG')).toBe('ZWG 1,234,567.89');
    expect(formatMinor(5, 'USD')).toBe('USD 0.05');
    expect(formatMinor(-305, 'USD')).toBe('USD -3.05');
  });
});
