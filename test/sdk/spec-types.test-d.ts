// Compile-time checks, run by `npm run typecheck` (tsc): the namespaces are typed from the spec,
// so a call that does not match openapi.yaml does not compile. Each @ts-expect-error must stay an error.
import type { Transport } from '../../sdk/src/client.ts';
import type { ConnectSphere, Readiness, User, UserDetail, UserPage } from '@connectsphere/sdk';

declare const t: Transport;
declare const cs: ConnectSphere;

export const checks = [
  t.call('get', '/api/auth/me', {}) satisfies Promise<User>,
  t.call('get', '/health/ready', {}) satisfies Promise<Readiness>,
  t.call('get', '/api/admin/users', { query: { role: 'admin', limit: 2 } }) satisfies Promise<UserPage>,
  t.call('get', '/api/admin/users/{id}', { path: { id: 'x' } }) satisfies Promise<UserDetail>,
  t.call('post', '/api/auth/logout', { body: { refreshToken: 'x' } }) satisfies Promise<undefined>,
  // @ts-expect-error a path the spec does not have
  t.call('get', '/api/nowhere', {}),
  // @ts-expect-error a method the path does not have
  t.call('delete', '/api/auth/me', {}),
  // @ts-expect-error the operation takes no body
  t.call('get', '/api/auth/me', { body: {} }),
  // @ts-expect-error the body is required
  t.call('post', '/api/auth/register', {}),
  // @ts-expect-error the body misses password
  t.call('post', '/api/auth/login', { body: { email: 'a@b.co' } }),
  // @ts-expect-error the path parameter is required
  t.call('get', '/api/admin/users/{id}', {}),
  // @ts-expect-error not a role
  t.call('get', '/api/admin/users', { query: { role: 'king' } }),
  // @ts-expect-error the response is Health, not User
  t.call('get', '/health', {}) satisfies Promise<User>,
  // @ts-expect-error not a category
  cs.users.updatePreferences({ categories: ['gold'], budget: { min: 0, max: 1, currency: 'USD' }, preferredGroupSizes: [], purchaseFrequency: 'weekly' }),
  // @ts-expect-error amounts are integers in minor units, not strings
  cs.users.updatePreferences({ categories: [], budget: { min: '0', max: 1, currency: 'USD' }, preferredGroupSizes: [], purchaseFrequency: 'weekly' }),
];
