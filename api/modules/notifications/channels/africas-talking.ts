import type { Transport } from '../dispatcher.ts';

export interface AfricasTalkingConfig {
  username: string;
  apiKey: string;
  senderId: string | undefined;
  baseUrl: string;
}

interface SendResponse {
  SMSMessageData?: { Message?: string; Recipients?: { statusCode: number; number: string; status: string; messageId: string }[] };
}

/**
 * SMS through Africa's Talking's bulk messaging API (it reaches Econet, NetOne and Telecel in
 * Zimbabwe). A recipient status code of 100–102 (processed, sent, queued) is success; anything else,
 * or a non-2xx answer, is a failed attempt the dispatcher retries.
 */
export function africasTalkingTransport(config: AfricasTalkingConfig): Transport {
  return async (d) => {
    const form = new URLSearchParams({ username: config.username, to: d.recipient, message: d.text });
    if (config.senderId) form.set('from', config.senderId);
    const res = await fetch(new URL('/version1/messaging', config.baseUrl), {
      method: 'POST',
      headers: { apiKey: config.apiKey, accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`Africa's Talking answered ${res.status}: ${text.slice(0, 200)}`);
    const body = JSON.parse(text) as SendResponse;
    const recipient = body.SMSMessageData?.Recipients?.[0];
    if (!recipient || recipient.statusCode < 100 || recipient.statusCode > 102) {
      throw new Error(`Africa's Talking did not send it: ${recipient?.status ?? body.SMSMessageData?.Message ?? 'no recipient in the answer'}`);
    }
  };
}
