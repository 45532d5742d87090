// One reading of a Flutterwave webhook: the API's payments module and the SDK's helper give the
// same answer, amounts in minor units, on the same recorded payloads.
import { describe, expect, it } from 'vitest';
import { readFlutterwaveWebhook, verifyFlutterwaveWebhook } from '@connectsphere/sdk';
import { parseFlutterwaveWebhook } from '../../api/modules/payments/providers/webhook.ts';
import { recordedWebhooks } from './recorded-webhooks.ts';

const secret = 'whsec-mbare-9f8e7d6c';

describe.each(recordedWebhooks)('the recorded webhook "$name"', ({ body, reads }) => {
  it('reads the same in the SDK, as a partner verifies it from the raw body', () => {
    expect(readFlutterwaveWebhook(body)).toEqual(reads);
    expect(verifyFlutterwaveWebhook({ 'verif-hash': secret }, JSON.stringify(body), secret)).toEqual({ valid: true, event: reads });
  });

  it('reads the same in the API (the payments module, which also keys the delivery)', () => {
    const { type: _type, ...rest } = reads;
    const { eventKey, ...event } = parseFlutterwaveWebhook(body);
    expect(event).toEqual(rest);
    expect(eventKey).toBe(`${reads.transactionId}:${reads.status ?? ''}`);
  });
});
