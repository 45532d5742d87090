/**
 * Failed sign-ins, counted per account and address, with a looser ceiling per account and a
 * lockout that doubles each time it recurs (OWASP Authentication Cheat Sheet, "Account Lockout").
 *
 * Counting per account *and* address means an attacker guessing from other addresses cannot lock
 * the owner out at their own address. The per-account ceiling still slows a botnet: once an account
 * has had `perAccount` failures in a window, every address gets a single failure before it waits.
 * Only failures count, and a correct password clears its address's record.
 *
 * Kept in memory: the API is one process (it owns the embedded database). Entries are bounded.
 */
export interface LoginThrottleOptions {
  perAccountAddress: number;
  perAccount: number;
  windowSeconds: number;
}

interface Counter {
  failures: number;
  windowStart: number;
  lockedUntil: number;
  /** Lockouts in a row (doubling the next one); forgotten a day after the last. */
  strikes: number;
}

const maxLockMs = 86_400_000;
const maxEntries = 100_000;

export class LoginThrottle {
  private readonly pairs = new Map<string, Counter>();
  private readonly accounts = new Map<string, Counter>();

  constructor(
    private readonly options: LoginThrottleOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds this address must wait before trying this account again; 0 when it may try now. */
  retryAfter(account: string, address: string): number {
    const pair = this.pairs.get(pairKey(account, address));
    const wait = pair ? pair.lockedUntil - this.now() : 0;
    return wait > 0 ? Math.ceil(wait / 1000) : 0;
  }

  failed(account: string, address: string): void {
    const accountCounter = this.counter(this.accounts, account);
    accountCounter.failures++;
    const pair = this.counter(this.pairs, pairKey(account, address));
    pair.failures++;
    const allowance = accountCounter.failures > this.options.perAccount ? 1 : this.options.perAccountAddress;
    if (pair.failures >= allowance) {
      const windowMs = this.options.windowSeconds * 1000;
      pair.strikes++;
      pair.lockedUntil = this.now() + Math.min(windowMs * 2 ** (pair.strikes - 1), maxLockMs);
      pair.failures = 0;
      pair.windowStart = this.now();
    }
  }

  succeeded(account: string, address: string): void {
    this.pairs.delete(pairKey(account, address));
  }

  private counter(map: Map<string, Counter>, key: string): Counter {
    const now = this.now();
    let c = map.get(key);
    if (!c) {
      if (map.size >= maxEntries) map.delete(map.keys().next().value!);
      c = { failures: 0, windowStart: now, lockedUntil: 0, strikes: 0 };
      map.set(key, c);
    }
    if (now - c.windowStart >= this.options.windowSeconds * 1000) {
      c.failures = 0;
      c.windowStart = now;
      if (now - c.lockedUntil >= maxLockMs) c.strikes = 0;
    }
    return c;
  }
}

const pairKey = (account: string, address: string) => `${account}\n${address}`;
