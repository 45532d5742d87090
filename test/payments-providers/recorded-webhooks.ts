// Flutterwave webhook bodies as Flutterwave has sent them (ids and references changed), with what
// they say in ConnectSphere's terms: amounts in integer minor units. Read by the API's payments
// module and by the SDK alike (test/payments-providers/webhook-reading.test.ts).
import type { FlutterwaveWebhookEvent } from '@connectsphere/sdk';

export interface RecordedWebhook {
  name: string;
  body: Record<string, unknown>;
  reads: FlutterwaveWebhookEvent;
}

export const recordedWebhooks: RecordedWebhook[] = [
  {
    name: 'charge.completed, mobile money, USD',
    body: {
      event: 'charge.completed',
      data: {
        id: 285959875,
        tx_ref: 'cs-abc',
        flw_ref: 'FLW-MOCK-1',
        device_fingerprint: 'N/A',
        amount: 46.2,
        currency: 'USD',
        charged_amount: 46.85,
        app_fee: 0.65,
        merchant_fee: 0,
        processor_response: 'Approved',
        auth_model: 'MOBILEMONEY',
        ip: '197.221.1.1',
        narration: 'ConnectSphere',
        status: 'successful',
        payment_type: 'mobilemoneyzw',
        created_at: '2026-03-19T09:34:27.000Z',
        account_id: 17321,
        customer: { id: 215604089, name: 'Tendai Moyo', phone_number: '0772123456', email: 'tendai@example.co.zw', created_at: '2026-03-19T09:33:00.000Z' },
      },
      'event.type': 'MOBILEMONEYZW_TRANSACTION',
    },
    reads: { type: 'charge.completed', transactionId: '285959875', txRef: 'cs-abc', status: 'successful', amount: 4620, currency: 'USD' },
  },
  {
    name: 'legacy flat shape, card, ZWG, failed',
    body: {
      id: 126122,
      txRef: 'cs-zwg',
      flwRef: 'FLW-MOCK-2',
      orderRef: 'URF_1',
      amount: 1238.16,
      charged_amount: 1238.16,
      status: 'failed',
      currency: 'ZWG',
      IP: '197.221.1.2',
      customer: { id: 5, email: 'chipo@example.co.zw' },
      'event.type': 'CARD_TRANSACTION',
    },
    reads: { transactionId: '126122', txRef: 'cs-zwg', status: 'failed', amount: 123816, currency: 'ZWG' },
  },
  {
    name: 'amounts as strings, lower-case currency',
    body: {
      event: 'charge.completed',
      data: { id: '4975362', tx_ref: 'CS-3f0c9d2e', amount: '44.00', charged_amount: '44.00', currency: 'usd', status: 'successful' },
    },
    reads: { type: 'charge.completed', transactionId: '4975362', txRef: 'CS-3f0c9d2e', status: 'successful', amount: 4400, currency: 'USD' },
  },
  {
    name: 'a cent that floating point gets wrong (19.99 × 100)',
    body: { event: 'charge.completed', data: { id: 9, tx_ref: 'cs-cent', amount: 19.99, currency: 'USD', status: 'pending' } },
    reads: { type: 'charge.completed', transactionId: '9', txRef: 'cs-cent', status: 'pending', amount: 1999, currency: 'USD' },
  },
  {
    name: 'mistyped fields',
    body: { event: 'charge.completed', data: { id: 'FLW-9', amount: 'lots', status: 3, currency: null } },
    reads: { type: 'charge.completed', transactionId: 'FLW-9' },
  },
];
