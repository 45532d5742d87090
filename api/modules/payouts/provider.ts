import type { AppContext } from '../../context.ts';
import { createFlutterwaveTransfers, createSandboxTransfers, type TransferProvider, type TransferWebhook } from './transfers.ts';

const providers = new WeakMap<AppContext, TransferProvider & { idle?: () => Promise<void> }>();

/**
 * One transfer provider per app context, the one PAYMENT_PROVIDER names. The sandbox hands its
 * webhook to the same handler Flutterwave's reach (signature check included), signed with the
 * configured secret hash.
 */
export function transferProviderFor(ctx: AppContext): TransferProvider & { idle?: () => Promise<void> } {
  let provider = providers.get(ctx);
  if (provider) return provider;
  const { payments } = ctx.config;
  if (payments.provider === 'flutterwave') {
    if (!payments.flutterwave) throw new Error('PAYMENT_PROVIDER=flutterwave needs FLW_PUBLIC_KEY and FLW_SECRET_KEY');
    provider = createFlutterwaveTransfers(payments.flutterwave);
  } else {
    provider = createSandboxTransfers(ctx.db, async (webhook: TransferWebhook) => {
      // Imported here: the payments service imports this module's webhook handler.
      const { handleFlutterwaveWebhook } = await import('../payments/service.ts');
      return handleFlutterwaveWebhook(ctx, payments.secretHash, webhook);
    });
  }
  providers.set(ctx, provider);
  return provider;
}
