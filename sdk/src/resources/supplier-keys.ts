import type { Transport } from '../client.ts';
import type { ApiKey, ApiKeyCreate, ApiKeyCreated, ApiKeyList } from '../types.ts';

/**
 * The organisation's API keys (`cs.supplier.keys`; owners, signed in). A script then uses one with
 * `new ConnectSphere({ baseUrl, apiKey })`.
 */
export class SupplierKeysResource {
  constructor(private readonly t: Transport) {}

  /** The key itself (`created.key`) is in this answer only: store it now. */
  create(body: ApiKeyCreate): Promise<ApiKeyCreated> {
    return this.t.call('post', '/api/supplier/keys', { body });
  }

  /** Every key of the organisation, revoked ones too, newest first; never their secrets. */
  list(): Promise<ApiKeyList> {
    return this.t.call('get', '/api/supplier/keys', {});
  }

  /** Refused from the next request on; revoking a revoked key changes nothing. */
  revoke(id: string): Promise<ApiKey> {
    return this.t.call('delete', '/api/supplier/keys/{id}', { path: { id } });
  }
}
