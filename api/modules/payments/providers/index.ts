// Picks the payment provider the configuration asks for. The payments service only sees the interface.

import type { AppContext } from '../../../context.ts';
import { createFlutterwaveProvider, type FlutterwaveOptions } from './flutterwave.ts';
import { createSandboxProvider } from './sandbox.ts';
import type { PaymentProvider } from './types.ts';

export function createProvider(ctx: AppContext, options: FlutterwaveOptions = {}): PaymentProvider {
  const { payments, publicUrl } = ctx.config;
  switch (payments.provider) {
    case 'flutterwave':
      if (!payments.flutterwave) {
        // loadConfig refuses this already; kept for contexts built by hand.
        throw new Error('PAYMENT_PROVIDER=flutterwave needs FLW_PUBLIC_KEY and FLW_SECRET_KEY');
      }
      return createFlutterwaveProvider(payments.flutterwave, options);
    case 'sandbox':
      return createSandboxProvider(ctx.db, publicUrl);
  }
}

export { createFlutterwaveProvider, type FlutterwaveConfig, type FlutterwaveOptions } from './flutterwave.ts';
export {
  completeSandboxCheckout,
  createSandboxProvider,
  findSandboxTransaction,
  renderCheckoutPage,
  sandboxCheckoutPath,
  type SandboxTransaction,
  type SandboxWebhook,
} from './sandbox.ts';
export { parseFlutterwaveWebhook, verifyWebhookSignature } from './webhook.ts';
export { formatMinor, toMajor, toMinor } from './money.ts';
export * from './types.ts';
