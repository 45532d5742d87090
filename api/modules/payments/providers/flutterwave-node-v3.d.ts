// flutterwave-node-v3 (pinned at 1.3.2) ships no types: only what the flutterwave provider uses.
// Every call resolves with Flutterwave's JSON body whatever the HTTP status (the library never
// rejects on 4xx/5xx); it rejects on network errors and throws a validation error on bad input.

declare module 'flutterwave-node-v3' {
  interface FlutterwaveBody {
    status?: string;
    message?: string;
    data?: unknown;
  }

  class Flutterwave {
    /** Opens no connection; the third argument overrides the base URL (it must end with "/"). */
    constructor(publicKey: string, secretKey: string, baseUrl?: string);
    Transaction: {
      /** GET v3/transactions/{id}/verify */
      verify(data: { id: number }): Promise<FlutterwaveBody | string>;
      /** GET v3/transactions/verify_by_reference?tx_ref=… (tx_ref is not URL-encoded by the library) */
      verify_by_tx(data: { tx_ref: string }): Promise<FlutterwaveBody | string>;
      /** POST v3/transactions/{id}/refund with { id, amount } (amount in major units) */
      refund(data: { id: string; amount: number }): Promise<FlutterwaveBody | string>;
    };
    Transfer: {
      /** POST v3/transfers (amount in major units; debit_currency defaults to NGN in its schema) */
      initiate(data: {
        account_bank: string;
        account_number: string;
        amount: number;
        currency: string;
        debit_currency?: string;
        reference?: string;
        narration?: string;
        beneficiary_name?: string;
      }): Promise<FlutterwaveBody | string>;
    };
  }

  export = Flutterwave;
}
