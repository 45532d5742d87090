import { escapeHtml } from './providers/sandbox.ts';

/** The small page the checkout returns the trader to. Plain HTML: it must work on any phone. */
export function returnPage(title: string, message: string, txRef: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} - ConnectSphere</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b}code{background:#f2f2f2;padding:.1rem .3rem}</style>
</head><body>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(message)}</p>
<p>Reference: <code>${escapeHtml(txRef)}</code></p>
</body></html>`;
}

export const outcomeMessages: Record<string, [string, string]> = {
  credited: ['Payment received', 'Your share is paid. We will tell you when the goods are ready to collect.'],
  already_final: ['Payment recorded', 'This payment was already processed. Check your group in the app.'],
  pending: ['Payment pending', 'The payment provider has not confirmed this payment yet. We will update you.'],
  failed: ['Payment failed', 'The payment did not go through and your reservation was released. You can join again.'],
  mismatch: ['Payment under review', 'Something about this payment did not match; our team will check it and contact you.'],
  refunded_late: ['Payment refunded', 'Your reservation had ended before the payment arrived, so it is being refunded.'],
};
