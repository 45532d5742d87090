import type { Transport } from '../client.ts';
import type { Health, Jwks, Readiness } from '../types.ts';

/** Liveness, readiness and the keys that sign access tokens. No sign-in needed. */
export class SystemResource {
  constructor(private readonly t: Transport) {}

  health(): Promise<Health> {
    return this.t.call('get', '/health', { auth: false });
  }

  /** The readiness report, also when it says not_ready (HTTP 503): check `status`. */
  ready(): Promise<Readiness> {
    return this.t.call('get', '/health/ready', { auth: false, okStatuses: [503] });
  }

  /** The JSON Web Key Set that verifies access tokens (match on `kid`). */
  jwks(): Promise<Jwks> {
    return this.t.call('get', '/.well-known/jwks.json', { auth: false });
  }
}
