import type { AppContext } from '../../context.ts';
import { createProvider, type PaymentProvider } from './providers/index.ts';

const providers = new WeakMap<AppContext, PaymentProvider>();

/** One provider per app context, created on first use (its HTTP clients are reused). */
export function providerFor(ctx: AppContext): PaymentProvider {
  let provider = providers.get(ctx);
  if (!provider) providers.set(ctx, (provider = createProvider(ctx)));
  return provider;
}
