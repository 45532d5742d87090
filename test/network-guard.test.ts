import { request } from 'undici';
import { describe, expect, it } from 'vitest';

describe('the test network guard', () => {
  it('refuses undici requests to hosts outside loopback', async () => {
    await expect(request('https://api.flutterwave.com/v3/payments', { method: 'POST', body: '{}' })).rejects.toThrow();
  });

  it('refuses fetch and node:http to hosts outside loopback', async () => {
    await expect(fetch('https://example.org/')).rejects.toThrow();
  });
});
