// Payment providers behind one interface (the Medusa pattern): the payments service never knows
// whether Flutterwave or the embedded sandbox is underneath. Amounts here are MINOR units; each
// adapter converts to what its provider speaks.

export type Currency = 'USD' | 'ZWG';

export interface InitializeInput {
  txRef: string;
  amount: number;
  currency: Currency;
  /** Where the checkout sends the trader afterwards (with status, tx_ref and transaction_id). */
  redirectUrl: string;
  /** Flutterwave's payment_options, e.g. "card" or "mobilemoneyzimbabwe" ... */
  paymentOptions: string;
  customer: { email: string; name: string; phone: string };
  title: string;
  meta: Record<string, string>;
}

export interface VerifiedTransaction {
  /** The provider's transaction id. */
  id: string;
  txRef: string;
  status: 'successful' | 'failed' | 'pending' | 'cancelled';
  amount: number;
  currency: string;
}

export interface RefundResult {
  refundId: string;
  status: 'pending' | 'succeeded' | 'failed';
}

export interface PaymentProvider {
  readonly name: 'sandbox' | 'flutterwave';
  /** Creates a checkout and returns its URL. Throws ProviderError when the provider refuses. */
  initialize(input: InitializeInput): Promise<{ checkoutUrl: string }>;
  /** Looks the transaction up at the provider: by id when known, else by tx_ref. Null when unknown. */
  verify(query: { transactionId?: string; txRef: string }): Promise<VerifiedTransaction | null>;
  /** Refunds `amount` of a successful transaction. */
  refund(transactionId: string, amount: number, currency: Currency): Promise<RefundResult>;
  /**
   * What became of a refund: by the provider's refund id when known, else the refund of the
   * transaction it holds (a sender that stopped before recording the id). Null when the provider
   * has no record of one, so it was never made.
   */
  refundStatus(query: { transactionId: string; refundId?: string; since: Date }): Promise<RefundResult | null>;
}

/** The provider failed or answered something we cannot use: a 502 to our caller. */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly detail?: unknown,
  ) {
    super(message);
  }
}

/** The parts of a webhook body we act on, in minor units, whichever shape Flutterwave used. */
export interface WebhookEvent {
  transactionId: string | undefined;
  txRef: string | undefined;
  status: string | undefined;
  amount: number | undefined;
  currency: string | undefined;
  /** Identifies this delivery so a replay is recognised. */
  eventKey: string;
}
