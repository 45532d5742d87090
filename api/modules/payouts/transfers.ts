// Transfers to a supplier's payout account behind one interface, as payments are behind
// PaymentProvider (api/modules/payments/providers): Flutterwave transfers, or the embedded sandbox,
// which completes each transfer itself and delivers the signed transfer.completed webhook
// Flutterwave would send. Amounts cross this boundary in minor units.

import Flutterwave from 'flutterwave-node-v3';
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { sandboxTransfers, type PayoutAccount } from '../../db/schema.ts';
import { toMajor, toMinor } from '../payments/providers/money.ts';
import { ProviderError, type Currency } from '../payments/providers/types.ts';

export interface TransferRequest {
  reference: string;
  amount: number;
  currency: Currency;
  account: PayoutAccount;
  narration: string;
}

export interface TransferResult {
  transferId: string;
  status: 'pending' | 'succeeded' | 'failed';
  reference: string;
  amount: number;
  currency: string;
  message?: string;
}

export interface TransferProvider {
  readonly name: 'sandbox' | 'flutterwave';
  /** Starts a transfer; throws ProviderError when the provider refuses it or cannot be reached. */
  transfer(request: TransferRequest): Promise<TransferResult>;
  /** What became of a transfer, by the provider's id. Null when it has no such transfer. */
  transferStatus(transferId: string): Promise<TransferResult | null>;
}

/**
 * Flutterwave's account_bank and account_number for a payout account. Mobile money goes to the
 * wallet's number in international form, with the network as the "bank" code.
 */
export function transferDestination(account: PayoutAccount): { accountBank: string; accountNumber: string; beneficiaryName: string } {
  if (account.method === 'bank') return { accountBank: account.bankCode, accountNumber: account.accountNumber, beneficiaryName: account.accountName };
  return { accountBank: mobileMoneyCodes[account.network], accountNumber: account.phone.replace(/^\+/, ''), beneficiaryName: account.accountName };
}

/** Mobile-money "bank" codes sent to Flutterwave for Zimbabwe's wallets. */
export const mobileMoneyCodes: Record<Extract<PayoutAccount, { method: 'mobile_money' }>['network'], string> = {
  ecocash: 'ECOCASH',
  onemoney: 'ONEMONEY',
  telecash: 'TELECASH',
};

/** Flutterwave's transfer statuses: NEW and PENDING are under way, SUCCESSFUL and FAILED final. */
export function transferStatusOf(status: unknown): TransferResult['status'] {
  const s = typeof status === 'string' ? status.toUpperCase() : '';
  if (s === 'SUCCESSFUL' || s === 'SUCCESS') return 'succeeded';
  if (s === 'FAILED' || s === 'CANCELLED' || s === 'REJECTED') return 'failed';
  return 'pending';
}

const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * POST /v3/transfers through flutterwave-node-v3 1.3.2 (Transfer.initiate); GET /v3/transfers/{id}
 * through the global fetch (the library's get_a_transfer builds "//v3/…" under its base URL).
 */
export function createFlutterwaveTransfers(config: { publicKey: string; secretKey: string; baseUrl: string }, timeoutMs = DEFAULT_TIMEOUT_MS): TransferProvider {
  const base = config.baseUrl.replace(/\/+$/, '');
  const flw = new Flutterwave(config.publicKey, config.secretKey, `${base}/`);

  async function transfer(request: TransferRequest): Promise<TransferResult> {
    if (!Number.isSafeInteger(request.amount) || request.amount <= 0) throw new ProviderError(`Amount must be a positive integer in minor units, got ${request.amount}`);
    const dest = transferDestination(request.account);
    const body = await call('start the transfer', () =>
      flw.Transfer.initiate({
        account_bank: dest.accountBank,
        account_number: dest.accountNumber,
        amount: toMajor(request.amount),
        currency: request.currency,
        // The library's schema defaults the debit currency to NGN: say it.
        debit_currency: request.currency,
        reference: request.reference,
        narration: request.narration.slice(0, 100),
        beneficiary_name: dest.beneficiaryName.slice(0, 100),
      }),
    );
    if (body.status !== 'success' || !isRecord(body.data)) throw new ProviderError(`Flutterwave refused the transfer: ${messageOf(body)}`, body);
    return mapTransfer(body.data);
  }

  async function transferStatus(transferId: string): Promise<TransferResult | null> {
    if (!/^\d{1,15}$/.test(transferId)) return null;
    const body = await call('look up the transfer', async () => {
      const res = await fetch(`${base}/v3/transfers/${transferId}`, { headers: { authorization: `Bearer ${config.secretKey}`, accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
      return JSON.parse(await res.text()) as unknown;
    });
    if (body.status !== 'success' || !isRecord(body.data)) {
      if (typeof body.message === 'string' && /not found|no transfer/i.test(body.message)) return null;
      throw new ProviderError(`Flutterwave could not look up the transfer: ${messageOf(body)}`, body);
    }
    return mapTransfer(body.data);
  }

  async function call(what: string, fn: () => Promise<unknown>): Promise<Record<string, unknown>> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ProviderError(`Flutterwave did not answer within ${timeoutMs} ms when asked to ${what}`)), timeoutMs);
    });
    try {
      const body = await Promise.race([Promise.resolve().then(fn), timeout]);
      if (!isRecord(body)) throw new ProviderError(`Flutterwave answered something that is not JSON when asked to ${what}`);
      return body;
    } catch (err) {
      if (err instanceof ProviderError) throw err;
      throw new ProviderError(`Could not ${what} with Flutterwave: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  return { name: 'flutterwave', transfer, transferStatus };
}

function mapTransfer(data: Record<string, unknown>): TransferResult {
  const { id, reference, amount, currency, status } = data;
  if ((typeof id !== 'number' && typeof id !== 'string') || typeof amount !== 'number' || typeof currency !== 'string') {
    throw new ProviderError('Flutterwave answered a transfer without id, amount or currency', data);
  }
  return {
    transferId: String(id),
    status: transferStatusOf(status),
    reference: typeof reference === 'string' ? reference : '',
    amount: toMinor(amount),
    currency: currency.toUpperCase(),
    message: typeof data.complete_message === 'string' ? data.complete_message : undefined,
  };
}

/** The transfer.completed webhook Flutterwave sends (major units), as the sandbox sends it too. */
export interface TransferWebhook {
  event: 'transfer.completed';
  'event.type': 'Transfer';
  data: { id: number; account_number: string; bank_code: string; fullname: string; created_at: string; currency: string; debit_currency: string; amount: number; fee: number; status: 'SUCCESSFUL' | 'FAILED'; reference: string; narration: string; complete_message: string };
}

/**
 * The embedded provider: a ledger of transfers (sandbox_transfers). Each transfer is answered NEW
 * (queued, as Flutterwave does), then completed a moment later: marked SUCCESSFUL and its signed
 * webhook handed to `deliver` (the same handler Flutterwave's webhooks reach). `idle()` resolves
 * when every delivery started so far has finished (tests, shutdown).
 */
export function createSandboxTransfers(db: Db, deliver: (webhook: TransferWebhook) => Promise<unknown>): TransferProvider & { idle(): Promise<void> } {
  const inFlight = new Set<Promise<unknown>>();

  async function transfer(request: TransferRequest): Promise<TransferResult> {
    if (!Number.isSafeInteger(request.amount) || request.amount <= 0) throw new ProviderError(`Amount must be a positive integer in minor units, got ${request.amount}`);
    const dest = transferDestination(request.account);
    const [row] = await db
      .insert(sandboxTransfers)
      .values({ reference: request.reference, amount: request.amount, currency: request.currency, accountBank: dest.accountBank, accountNumber: dest.accountNumber })
      .onConflictDoNothing({ target: sandboxTransfers.reference })
      .returning();
    // As Flutterwave: a reference is used once.
    if (!row) throw new ProviderError(`A transfer with reference ${request.reference} already exists`);
    const completion = new Promise((resolve) => setImmediate(resolve)).then(async () => {
      const [done] = await db.update(sandboxTransfers).set({ status: 'SUCCESSFUL' }).where(eq(sandboxTransfers.id, row.id)).returning();
      await deliver({
        event: 'transfer.completed',
        'event.type': 'Transfer',
        data: {
          id: done!.id,
          account_number: done!.accountNumber,
          bank_code: done!.accountBank,
          fullname: dest.beneficiaryName,
          created_at: done!.createdAt.toISOString(),
          currency: done!.currency,
          debit_currency: done!.currency,
          amount: toMajor(done!.amount),
          fee: 0,
          status: 'SUCCESSFUL',
          reference: done!.reference,
          narration: request.narration,
          complete_message: 'Successful',
        },
      });
    });
    const tracked = completion.catch(() => undefined).finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    return { transferId: String(row.id), status: 'pending', reference: row.reference, amount: row.amount, currency: row.currency };
  }

  async function transferStatus(transferId: string): Promise<TransferResult | null> {
    if (!/^\d{1,15}$/.test(transferId)) return null;
    const [row] = await db.select().from(sandboxTransfers).where(eq(sandboxTransfers.id, Number(transferId)));
    if (!row) return null;
    return { transferId: String(row.id), status: transferStatusOf(row.status), reference: row.reference, amount: row.amount, currency: row.currency };
  }

  async function idle() {
    while (inFlight.size) await Promise.all([...inFlight]);
  }

  return { name: 'sandbox', transfer, transferStatus, idle };
}

function messageOf(body: Record<string, unknown>): string {
  return typeof body.message === 'string' && body.message !== '' ? body.message : 'an unexpected answer';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
