// Compile-time checks, run by `npm run typecheck` (tsc): the namespaces are typed from the spec,
// so a call that does not match openapi.yaml does not compile. Each @ts-expect-error must stay an error.
import type { Transport } from '../../sdk/src/client.ts';
import type {
  ConnectSphere,
  Contribution,
  Evaluation,
  ExperimentReport,
  Group,
  GroupPage,
  JobList,
  JobRun,
  ModelHealth,
  ModelList,
  ModelVersion,
  Payment,
  PickupPassList,
  Readiness,
  RecommendationList,
  Redemption,
  TrainingRun,
  User,
  UserDetail,
  UserPage,
} from '@connectsphere/sdk';

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

  // Group buying: results typed from the spec, binary and SVG bodies included.
  cs.groups.list({ category: 'cooking-oil', market: 'Mbare Musika', sort: 'progress', limit: 2 }) satisfies Promise<GroupPage>,
  cs.groups.join('g', { quantity: 10 }, { idempotencyKey: 'join-order-42' }) satisfies Promise<Contribution>,
  cs.payments.finalize({ txRef: 'CS-1', transactionId: '42' }) satisfies Promise<Payment>,
  cs.qr.passes() satisfies Promise<PickupPassList>,
  cs.qr.png('p') satisfies Promise<Uint8Array>,
  cs.qr.svg('p') satisfies Promise<string>,
  cs.qr.redeem('p') satisfies Promise<Redemption>,
  t.call('get', '/api/qr/passes/{id}.png', { path: { id: 'p' } }) satisfies Promise<Uint8Array>,
  t.call('get', '/api/qr/passes/{id}.svg', { path: { id: 'p' } }) satisfies Promise<string>,
  t.call('get', '/api/payments/sandbox/checkout/{txRef}', { path: { txRef: 'CS-1' } }) satisfies Promise<string>,
  // Properties the API defaults may be left out of a request (they are required in responses).
  cs.groups.create({ productId: 'p', moq: 10, deadline: '2026-12-15T17:00:00Z', pickupPointIds: ['pp'] }) satisfies Promise<Group>,
  cs.payments.initialize({ contributionId: 'c' }) satisfies Promise<Payment>,
  cs.auth.register({ email: 'a@b.co', name: 'Tendai', password: 'mbare-market-2026', phone: '0772123456', location: { market: 'Mbare Musika' } }),
  cs.products.create({ supplierId: 's', sku: 'OIL-2L', name: 'Oil', description: '', category: 'cooking-oil', unit: '2 L bottle', unitPrice: 420, stock: 5 }),
  // @ts-expect-error a default does not make a response property optional
  ({ market: 'Mbare Musika' }) satisfies import('@connectsphere/sdk').Location,
  // @ts-expect-error the budget's currency has no default
  cs.users.updatePreferences({ categories: [], budget: { min: 0, max: 1 }, preferredGroupSizes: [], purchaseFrequency: 'weekly' }),
  // @ts-expect-error moq is required
  cs.groups.create({ productId: 'p', deadline: '2026-12-15T17:00:00Z', pickupPointIds: ['pp'] }),
  // @ts-expect-error not a group status
  cs.groups.transition('g', { to: 'shipping' }),
  // @ts-expect-error quantity is an integer, not a string
  cs.groups.join('g', { quantity: '10' }),
  // @ts-expect-error the key is a string
  cs.payments.initialize({ contributionId: 'c' }, { idempotencyKey: 42 }),
  // @ts-expect-error a PNG is bytes, not text
  cs.qr.png('p') satisfies Promise<string>,
  cs.jobs.list() satisfies Promise<JobList>,
  cs.jobs.run('expire-passes') satisfies Promise<JobRun>,
  // @ts-expect-error not a job
  cs.jobs.run('defragment-the-moon'),

  // Recommendations and the model behind them.
  cs.ml.recommendations({ limit: 5 }) satisfies Promise<RecommendationList>,
  cs.ml.click('r') satisfies Promise<void>,
  cs.ml.preview({ email: 'tendai@example.co.zw' }) satisfies Promise<RecommendationList>,
  cs.ml.train() satisfies Promise<TrainingRun>,
  cs.ml.train({ params: { nmf: { rank: 8 } } }) satisfies Promise<TrainingRun>,
  cs.ml.waitForRun('id', { onProgress: (run: TrainingRun) => run.progress, intervalMs: 100 }) satisfies Promise<TrainingRun>,
  cs.ml.models() satisfies Promise<ModelList>,
  cs.ml.activate('v20261125-121539-4d15') satisfies Promise<ModelVersion>,
  // `k` has an inline default: optional without help from requestDefaults.
  cs.ml.evaluate() satisfies Promise<Evaluation>,
  cs.ml.evaluate({ k: 5 }) satisfies Promise<Evaluation>,
  cs.ml.health() satisfies Promise<ModelHealth>,
  cs.ml.experiments() satisfies Promise<ExperimentReport>,
  cs.groups.list({ sort: 'recommended' }) satisfies Promise<GroupPage>,
  cs.groups.join('g', { quantity: 1, recommendationId: 'r' }) satisfies Promise<Contribution>,
  // @ts-expect-error not an activation policy
  cs.ml.train({ activate: 'sometimes' }),
  // @ts-expect-error the limit is a number
  cs.ml.recommendations({ limit: '5' }),
  // @ts-expect-error k is a number
  cs.ml.evaluate({ k: '10' }),
];
