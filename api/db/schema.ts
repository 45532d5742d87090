import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  customType,
  date,
  doublePrecision,
  index,
  integer,
  json,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  check,
} from 'drizzle-orm/pg-core';
import type { components } from '../../sdk/src/schema.d.ts';

// Text columns that hold only what the spec allows (validated on the way in) carry the spec's type,
// so a view built from a row matches the response openapi.yaml declares.
type Currency = components['schemas']['Currency'];
type Category = components['schemas']['Category'];
type Provider = components['schemas']['Payment']['provider'];
/** One of a group's pickup points as groups.pickup_points holds it: the API's PickupPoint. */
type GroupPickupPoint = components['schemas']['PickupPoint'];

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });
/** A full transaction id (PostgreSQL 13+), read as text: never wraps around, so it orders commits' writers. */
const xid8 = customType<{ data: string }>({ dataType: () => 'xid8' });

// Millisecond precision, as JavaScript dates have: keyset cursors round-trip exactly.
const createdAt = () => timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow();

export const roleEnum = pgEnum('role', ['trader', 'supplier', 'staff', 'admin']);

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    // Stored lower-cased so the unique index is case-insensitive.
    email: text('email').notNull(),
    name: text('name').notNull(),
    phone: text('phone').notNull(),
    passwordHash: text('password_hash').notNull(),
    role: roleEnum('role').notNull().default('trader'),
    active: boolean('active').notNull().default(true),
    market: text('market').notNull(),
    city: text('city').notNull().default('Harare'),
    businessType: text('business_type'),
    yearsOfExperience: integer('years_of_experience'),
    segment: text('segment'),
    /** Language of the messages we send: en (English) or sn (Shona). */
    locale: text('locale').$type<'en' | 'sn'>().notNull().default('en'),
    /** Channels the user wants notifications on; the outbox skips the others. */
    notificationChannels: text('notification_channels').array().$type<('email' | 'sms' | 'in_app')[]>().notNull().default(sql`'{email,sms,in_app}'::text[]`),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('users_email_key').on(t.email),
    index('users_role_idx').on(t.role),
    index('users_created_idx').on(t.createdAt, t.id),
  ],
);

export const userPreferences = pgTable('user_preferences', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  categories: text('categories').array().$type<Category[]>().notNull().default(sql`'{}'::text[]`),
  budgetMin: integer('budget_min').notNull(),
  budgetMax: integer('budget_max').notNull(),
  currency: text('currency').$type<Currency>().notNull().default('USD'),
  groupSizes: text('group_sizes').array().notNull().default(sql`'{}'::text[]`),
  purchaseFrequency: text('purchase_frequency').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

// Refresh tokens rotate: each row is used once. All rows of a family descend from one sign-in,
// so reuse of a used row revokes the whole family.
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    familyId: uuid('family_id').notNull(),
    tokenHash: text('token_hash').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('refresh_tokens_hash_key').on(t.tokenHash), index('refresh_tokens_family_idx').on(t.familyId)],
);

// queued → sending (claimed, with a lease) → sent; a failed attempt goes back to queued with a later
// next_attempt_at, and after the last attempt to failed: the dead letter an admin can resend.
// skipped: the user turned that channel off.
export const notificationStatusEnum = pgEnum('notification_status', ['queued', 'sent', 'failed', 'sending', 'skipped']);

// Outbox: rows are written in the same transaction as the change they announce and delivered later,
// so a notification is never sent for a change that rolled back.
export const notifications = pgTable(
  'notifications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    channel: text('channel').notNull(),
    recipient: text('recipient').notNull(),
    template: text('template').notNull(),
    payload: jsonb('payload').notNull().default({}),
    status: notificationStatusEnum('status').notNull().default('queued'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** Not before this: retries back off. */
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    /** A dispatcher's claim while it sends; past it, another dispatcher may take the row over. */
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    createdAt: createdAt(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (t) => [
    index('notifications_status_idx').on(t.status, t.createdAt),
    index('notifications_due_idx').on(t.status, t.nextAttemptAt),
  ],
);

/**
 * In-app notifications: one per announcement to a user, whatever channels the outbox also sends it
 * on; rendered in the user's language when read (GET /api/notifications).
 */
export const inboxMessages = pgTable(
  'inbox_messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    template: text('template').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    readAt: timestamp('read_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index('inbox_messages_user_idx').on(t.userId, t.createdAt, t.id)],
);

export const analyticsProfiles = pgTable('analytics_profiles', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  segment: text('segment'),
  signupMarket: text('signup_market').notNull(),
  // What a trader did (joins, payments, when last seen) is counted from the event store by the
  // analytics ETL (analytics_traders), not kept here as counters on every join and payment.
  createdAt: createdAt(),
});

export const supplierStatusEnum = pgEnum('supplier_status', ['pending', 'verified', 'rejected']);

/** Where a supplier is paid: a bank account or a mobile-money wallet (Flutterwave transfers reach both). */
export type PayoutAccount =
  | { method: 'bank'; bankCode: string; bankName: string; accountNumber: string; accountName: string }
  | { method: 'mobile_money'; network: 'ecocash' | 'onemoney' | 'telecash'; phone: string; accountName: string };

/**
 * A supplier organisation. Its people are supplier_members; its products, orders, invoices,
 * payouts, API keys and webhook endpoints all hang off this id. It sells only once an admin has
 * verified it.
 */
export const suppliers = pgTable(
  'suppliers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Trading name. */
    name: text('name').notNull(),
    registrationNumber: text('registration_number'),
    /** ZIMRA business partner (BP) number, printed on invoices. */
    taxNumber: text('tax_number'),
    contactName: text('contact_name').notNull().default(''),
    area: text('area').notNull(),
    address: text('address').notNull().default(''),
    phone: text('phone').notNull(),
    email: text('email').notNull(),
    categories: text('categories').array().$type<Category[]>().notNull().default(sql`'{}'::text[]`),
    payoutAccount: jsonb('payout_account').$type<PayoutAccount>(),
    status: supplierStatusEnum('status').notNull().default('pending'),
    rejectionReason: text('rejection_reason'),
    // Ratings of its products after pickup (api/modules/ratings): kept as a sum and a count, changed
    // by one UPDATE in the rating's transaction, so views read the average without a query.
    ratingSum: integer('rating_sum').notNull().default(0),
    ratingCount: integer('rating_count').notNull().default(0),
    verifiedAt: timestamp('verified_at', { withTimezone: true }),
    verifiedBy: uuid('verified_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('suppliers_status_idx').on(t.status, t.createdAt)],
);

/** A supplier user belongs to exactly one organisation; the owner may invite and manage the rest. */
export const supplierMembers = pgTable(
  'supplier_members',
  {
    supplierId: uuid('supplier_id')
      .notNull()
      .references(() => suppliers.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role').$type<'owner' | 'member'>().notNull().default('member'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('supplier_members_user_key').on(t.userId), index('supplier_members_supplier_idx').on(t.supplierId)],
);

/** An invitation to join an organisation: the token is shown once (emailed) and stored hashed. */
export const supplierInvites = pgTable(
  'supplier_invites',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    supplierId: uuid('supplier_id')
      .notNull()
      .references(() => suppliers.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    role: text('role').$type<'owner' | 'member'>().notNull().default('member'),
    tokenHash: text('token_hash').notNull(),
    invitedBy: uuid('invited_by').references(() => users.id, { onDelete: 'set null' }),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    acceptedAt: timestamp('accepted_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('supplier_invites_token_key').on(t.tokenHash), index('supplier_invites_supplier_idx').on(t.supplierId)],
);

export const products = pgTable(
  'products',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    supplierId: uuid('supplier_id')
      .notNull()
      .references(() => suppliers.id),
    // Stable identifier used by the demo data and by suppliers' own systems.
    sku: text('sku').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull(),
    category: text('category').$type<Category>().notNull(),
    unit: text('unit').notNull(),
    // Money is integer minor units plus an ISO currency code, never floats.
    unitPrice: integer('unit_price').notNull(),
    currency: text('currency').$type<Currency>().notNull().default('USD'),
    stock: integer('stock').notNull().default(0),
    /** Price breaks by total group quantity: [{ minQuantity, unitPrice }], ascending. */
    priceTiers: jsonb('price_tiers').$type<PriceTier[]>().notNull().default([]),
    imageUrls: text('image_urls').array().notNull().default(sql`'{}'::text[]`),
    active: boolean('active').notNull().default(true),
    // Ratings after pickup, as on suppliers: sum and count, so productView needs no extra query.
    ratingSum: integer('rating_sum').notNull().default(0),
    ratingCount: integer('rating_count').notNull().default(0),
    // Full-text search over name, description and category, maintained by PostgreSQL itself.
    search: tsvector('search')
      .notNull()
      .generatedAlwaysAs(
        sql`setweight(to_tsvector('english', coalesce(name, '')), 'A') || setweight(to_tsvector('english', coalesce(category, '')), 'B') || setweight(to_tsvector('english', coalesce(description, '')), 'C')`,
      ),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('products_sku_key').on(t.sku),
    index('products_category_idx').on(t.category),
    // An organisation's own catalog (GET /api/supplier/products), newest first.
    index('products_supplier_idx').on(t.supplierId, t.createdAt, t.id),
    index('products_search_idx').using('gin', t.search),
  ],
);

export interface PriceTier {
  minQuantity: number;
  unitPrice: number;
}

export const pickupPoints = pgTable('pickup_points', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  market: text('market').notNull(),
  address: text('address').notNull(),
  openingHours: text('opening_hours').notNull(),
  lat: doublePrecision('lat'),
  lng: doublePrecision('lng'),
  createdAt: createdAt(),
});

/**
 * The pickup points a staff account works at, set by an admin. A staff member redeems passes only
 * for these points; admins redeem anywhere.
 */
export const staffPickupPoints = pgTable(
  'staff_pickup_points',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    pickupPointId: uuid('pickup_point_id')
      .notNull()
      .references(() => pickupPoints.id),
    assignedAt: timestamp('assigned_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.pickupPointId] })],
);

export const groupStatusEnum = pgEnum('group_status', [
  'draft',
  'open',
  'funded',
  'ordered',
  'shipped',
  'delivered',
  'ready_for_pickup',
  'completed',
  'expired',
  'cancelled',
]);

export const groups = pgTable(
  'groups',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    productId: uuid('product_id')
      .notNull()
      .references(() => products.id),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    status: groupStatusEnum('status').notNull().default('draft'),
    moq: integer('moq').notNull(),
    maxQuantity: integer('max_quantity'),
    minPerTrader: integer('min_per_trader').notNull().default(1),
    maxPerTrader: integer('max_per_trader'),
    deadline: timestamp('deadline', { withTimezone: true }).notNull(),
    unitPrice: integer('unit_price').notNull(),
    currency: text('currency').$type<Currency>().notNull().default('USD'),
    // The product's category, kept by the database (migration 0021: set on insert, and again when
    // the product's category changes), so the category filter of GET /api/groups reads this row's
    // own index and statistics instead of probing every open group's product. The default only
    // fills the insert's shape; the trigger replaces it.
    category: text('category').notNull().default(''),
    // The group's pickup points as its view shows them (ordered by name), kept by the database
    // (migration 0022: rewritten whenever the group's points or a point's details change, in the
    // writer's transaction), so a page of groups reads them from the row instead of joining and
    // aggregating two tables for every group on it. Where the goods are, not money or stock.
    pickupPoints: json('pickup_points').$type<GroupPickupPoint[]>().notNull().default(sql`'[]'::json`),
    // Counters kept on the row and changed under its lock, so capacity checks cannot race.
    reservedQuantity: integer('reserved_quantity').notNull().default(0),
    paidQuantity: integer('paid_quantity').notNull().default(0),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Browsing (GET /api/groups) filters on status and reads a page in one of these orders; with
    // an index for each the page comes off the index in order, however many groups are closed.
    index('groups_status_deadline_idx').on(t.status, t.deadline, t.id),
    // The category filter: its groups by deadline, or (other sorts) its few groups to sort.
    index('groups_status_category_deadline_idx').on(t.status, t.category, t.deadline, t.id),
    index('groups_status_created_idx').on(t.status, t.createdAt, t.id),
    index('groups_status_price_idx').on(t.status, t.unitPrice, t.id),
    index('groups_status_progress_idx').on(t.status, sql`(${t.paidQuantity}::float8 / ${t.moq})`, t.id),
    index('groups_product_idx').on(t.productId),
  ],
);

export const groupPickupPoints = pgTable(
  'group_pickup_points',
  {
    groupId: uuid('group_id')
      .notNull()
      .references(() => groups.id, { onDelete: 'cascade' }),
    pickupPointId: uuid('pickup_point_id')
      .notNull()
      .references(() => pickupPoints.id),
    /** Units delivered to this point and not yet collected. */
    stock: integer('stock').notNull().default(0),
  },
  (t) => [uniqueIndex('group_pickup_points_key').on(t.groupId, t.pickupPointId)],
);

export const groupEvents = pgTable('group_events', {
  id: uuid('id').primaryKey().defaultRandom(),
  groupId: uuid('group_id')
    .notNull()
    .references(() => groups.id, { onDelete: 'cascade' }),
  fromStatus: text('from_status'),
  toStatus: text('to_status').notNull(),
  actorId: uuid('actor_id'),
  reason: text('reason'),
  createdAt: createdAt(),
},
// Groups reaching a status since a time (/metrics: funded today; the analytics ETL).
(t) => [index('group_events_status_created_idx').on(t.toStatus, t.createdAt)]);

export const contributionStatusEnum = pgEnum('contribution_status', [
  'pending_payment',
  'paid',
  'cancelled',
  'lapsed',
  'refunded',
]);

export const contributions = pgTable(
  'contributions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    groupId: uuid('group_id')
      .notNull()
      .references(() => groups.id),
    traderId: uuid('trader_id')
      .notNull()
      .references(() => users.id),
    pickupPointId: uuid('pickup_point_id')
      .notNull()
      .references(() => pickupPoints.id),
    quantity: integer('quantity').notNull(),
    unitPrice: integer('unit_price').notNull(),
    currency: text('currency').$type<Currency>().notNull(),
    status: contributionStatusEnum('status').notNull().default('pending_payment'),
    reservedUntil: timestamp('reserved_until', { withTimezone: true }),
    paidAt: timestamp('paid_at', { withTimezone: true }),
    recommendationId: uuid('recommendation_id'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // One open contribution per trader per group.
    uniqueIndex('contributions_open_key')
      .on(t.groupId, t.traderId)
      .where(sql`status in ('pending_payment', 'paid')`),
    index('contributions_trader_idx').on(t.traderId),
    // A group's contributions (views, participants, transitions). The open-contribution key above
    // does not serve it: paid contributions of completed groups stay 'paid', so its predicate
    // keeps nearly every row, and without this the open groups' participants were read with a
    // scan of the whole purchase history.
    index('contributions_group_idx').on(t.groupId),
    index('contributions_lapse_idx').on(t.status, t.reservedUntil),
  ],
);

export const paymentStatusEnum = pgEnum('payment_status', [
  'pending',
  'successful',
  'failed',
  'abandoned',
  'mismatch',
  'refund_pending',
  'refunded',
]);

export const payments = pgTable(
  'payments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    contributionId: uuid('contribution_id')
      .notNull()
      .references(() => contributions.id),
    traderId: uuid('trader_id')
      .notNull()
      .references(() => users.id),
    provider: text('provider').$type<Provider>().notNull(),
    txRef: text('tx_ref').notNull(),
    providerTransactionId: text('provider_transaction_id'),
    /** Goods, fee and total in minor units of `currency`. */
    goodsAmount: bigint('goods_amount', { mode: 'number' }).notNull(),
    feeAmount: bigint('fee_amount', { mode: 'number' }).notNull(),
    totalAmount: bigint('total_amount', { mode: 'number' }).notNull(),
    currency: text('currency').$type<Currency>().notNull(),
    paymentOptions: text('payment_options').notNull().default('card,mobilemoneyzambia'),
    status: paymentStatusEnum('status').notNull().default('pending'),
    checkoutUrl: text('checkout_url'),
    flaggedReason: text('flagged_reason'),
    verifiedAt: timestamp('verified_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('payments_tx_ref_key').on(t.txRef),
    index('payments_status_idx').on(t.status, t.createdAt),
    index('payments_contribution_idx').on(t.contributionId),
  ],
);

// sending: claimed by one sender, the provider is being called; processing: the provider answered
// pending and the refund waits to be settled (api/modules/payments/lifecycle.ts).
export const refundStatusEnum = pgEnum('refund_status', ['pending', 'sending', 'processing', 'succeeded', 'failed']);

export const refunds = pgTable('refunds', {
  id: uuid('id').primaryKey().defaultRandom(),
  paymentId: uuid('payment_id')
    .notNull()
    .references(() => payments.id),
  amount: bigint('amount', { mode: 'number' }).notNull(),
  currency: text('currency').$type<Currency>().notNull(),
  status: refundStatusEnum('status').notNull().default('pending'),
  providerRefundId: text('provider_refund_id'),
  reason: text('reason').notNull(),
  /** Part of the payment (a quality issue): the payment stays successful when it is made. */
  partial: boolean('partial').notNull().default(false),
  error: text('error'),
  /** While sending: when the sender's claim lapses (a sender that stopped is then looked into). */
  claimedUntil: timestamp('claimed_until', { withTimezone: true }),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [index('refunds_status_idx').on(t.status, t.createdAt)]);

/** Every webhook delivery seen, keyed so a replay is recognised and changes nothing. */
export const webhookEvents = pgTable(
  'webhook_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    provider: text('provider').notNull(),
    eventKey: text('event_key').notNull(),
    txRef: text('tx_ref'),
    outcome: text('outcome').notNull(),
    payload: jsonb('payload').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('webhook_events_key').on(t.provider, t.eventKey)],
);

/** The sandbox provider's own ledger: what Flutterwave would hold on its side. */
export const sandboxTransactions = pgTable(
  'sandbox_transactions',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity({ startWith: 4_000_000 }),
    txRef: text('tx_ref').notNull(),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    currency: text('currency').$type<Currency>().notNull(),
    customerEmail: text('customer_email').notNull(),
    redirectUrl: text('redirect_url'),
    status: text('status').notNull().default('pending'),
    refundedAmount: bigint('refunded_amount', { mode: 'number' }).notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('sandbox_transactions_tx_ref_key').on(t.txRef)],
);

/** A stored response per (user, operation, Idempotency-Key): a retry gets it back unchanged. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    /** The caller: a user's id, or an API key's (api/plugins/auth.ts principalId). */
    userId: uuid('user_id').notNull(),
    operation: text('operation').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    statusCode: integer('status_code'),
    response: jsonb('response'),
    /** While in progress: when the claim lapses, so a retry after a crash does the work. */
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('idempotency_keys_key').on(t.userId, t.operation, t.key), index('idempotency_keys_created_idx').on(t.createdAt)],
);

export const passStatusEnum = pgEnum('pass_status', ['active', 'used', 'revoked', 'expired']);

export const pickupPasses = pgTable(
  'pickup_passes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    contributionId: uuid('contribution_id')
      .notNull()
      .references(() => contributions.id),
    groupId: uuid('group_id')
      .notNull()
      .references(() => groups.id),
    traderId: uuid('trader_id')
      .notNull()
      .references(() => users.id),
    pickupPointId: uuid('pickup_point_id')
      .notNull()
      .references(() => pickupPoints.id),
    quantity: integer('quantity').notNull(),
    status: passStatusEnum('status').notNull().default('active'),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    usedBy: uuid('used_by').references(() => users.id),
    usedAtPointId: uuid('used_at_point_id').references(() => pickupPoints.id),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    replacedBy: uuid('replaced_by'),
    createdAt: createdAt(),
  },
  (t) => [
    index('pickup_passes_trader_idx').on(t.traderId),
    // One live pass per contribution; reissuing revokes the old one first.
    uniqueIndex('pickup_passes_active_key').on(t.contributionId).where(sql`status = 'active'`),
  ],
);

export const jobRuns = pgTable(
  'job_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    trigger: text('trigger').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    outcome: text('outcome').notNull().default('running'),
    counts: jsonb('counts').$type<Record<string, number>>().notNull().default({}),
    error: text('error'),
  },
  (t) => [index('job_runs_name_idx').on(t.name, t.startedAt)],
);

// ---------------------------------------------------------------------------------------------
// Recommendations (api/modules/ml). The model itself is a file under ML_MODELS_DIR; these tables
// are its registry, the history of training runs, and the events that feed training and the A/B
// report.

/** Every trained model version. At most one is active: the one the API serves. */
export const mlModels = pgTable(
  'ml_models',
  {
    version: text('version').primaryKey(),
    trainedAt: timestamp('trained_at', { withTimezone: true, precision: 3 }).notNull(),
    /** The interactions the model learned from: first and last timestamp, and how many. */
    dataFrom: timestamp('data_from', { withTimezone: true, precision: 3 }),
    dataTo: timestamp('data_to', { withTimezone: true, precision: 3 }).notNull(),
    interactionCount: integer('interaction_count').notNull(),
    traderCount: integer('trader_count').notNull(),
    productCount: integer('product_count').notNull(),
    /** The resolved training parameters (defaults filled in). */
    params: jsonb('params').$type<Record<string, unknown>>().notNull(),
    metrics: jsonb('metrics').$type<Record<string, unknown>>().notNull(),
    filePath: text('file_path').notNull(),
    active: boolean('active').notNull().default(false),
    activatedAt: timestamp('activated_at', { withTimezone: true, precision: 3 }),
    createdAt: createdAt(),
  },
  (t) => [
    // The database itself guarantees a single active model, whatever process flips it.
    uniqueIndex('ml_models_one_active_key').on(t.active).where(sql`active`),
    index('ml_models_trained_idx').on(t.trainedAt),
  ],
);

export const mlRunStatusEnum = pgEnum('ml_run_status', ['queued', 'running', 'succeeded', 'failed']);
export const mlRunTriggerEnum = pgEnum('ml_run_trigger', ['manual', 'schedule', 'startup']);

export const mlTrainingRuns = pgTable(
  'ml_training_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    status: mlRunStatusEnum('status').notNull().default('queued'),
    trigger: mlRunTriggerEnum('trigger').notNull(),
    /** if_better | always | never */
    activation: text('activation').notNull(),
    /** The parameter overrides asked for. */
    params: jsonb('params').$type<Record<string, unknown>>().notNull().default({}),
    stage: text('stage'),
    progress: real('progress').notNull().default(0),
    metrics: jsonb('metrics').$type<Record<string, unknown>>().notNull().default({}),
    modelVersion: text('model_version').references(() => mlModels.version, { onDelete: 'set null' }),
    activated: boolean('activated').notNull().default(false),
    error: text('error'),
    startedAt: timestamp('started_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true, precision: 3 }),
  },
  (t) => [index('ml_training_runs_started_idx').on(t.startedAt), index('ml_training_runs_status_idx').on(t.status)],
);

/**
 * What happened on the platform, in order: the one feed outbound webhooks deliver from and real-time
 * subscribers resume from. Written in the transaction of the change it describes, so an event
 * exists exactly when its change committed. `supplier_id` scopes it to an organisation (its
 * webhooks see it); null means platform-wide (admin endpoints).
 */
export const domainEvents = pgTable(
  'domain_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    type: text('type').notNull(),
    supplierId: uuid('supplier_id'),
    groupId: uuid('group_id'),
    userId: uuid('user_id'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    /**
     * The writing transaction. Ids come from a sequence and a transaction can commit after one
     * that took a higher id, so readers that poll (outbound webhooks) go by this instead: every
     * transaction older than their snapshot's xmin has finished (api/modules/events/domain-events.ts).
     */
    tx: xid8('tx').notNull().default(sql`pg_current_xact_id()`),
    createdAt: createdAt(),
  },
  (t) => [
    index('domain_events_tx_idx').on(t.tx),
    index('domain_events_supplier_idx').on(t.supplierId, t.id),
    index('domain_events_group_idx').on(t.groupId, t.id),
    index('domain_events_created_idx').on(t.createdAt),
  ],
);

// ---------------------------------------------------------------------------------------------
// Outbound webhooks (api/modules/webhooks): endpoints an organisation (or an admin, for the whole
// platform) registers, and one delivery per event and endpoint with every attempt's outcome.

export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The organisation whose events it receives; null: a platform endpoint (every event), an admin's. */
    supplierId: uuid('supplier_id').references(() => suppliers.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    description: text('description'),
    /** Event types it wants ("order.updated", "order.*"); empty: all of them. */
    events: text('events').array().notNull().default(sql`'{}'::text[]`),
    /** Signs every delivery (HMAC-SHA256); shown once, at creation and rotation. */
    secret: text('secret').notNull(),
    /** After a rotation the old secret signs too until this time, so receivers can switch over. */
    previousSecret: text('previous_secret'),
    previousSecretUntil: timestamp('previous_secret_until', { withTimezone: true }),
    enabled: boolean('enabled').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('webhook_endpoints_supplier_idx').on(t.supplierId)],
);

export const webhookDeliveryStatusEnum = pgEnum('webhook_delivery_status', ['pending', 'sending', 'succeeded', 'failed', 'dead']);

export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    endpointId: uuid('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    /** The domain event (its id; events are pruned, the delivery keeps its payload). */
    eventId: bigint('event_id', { mode: 'number' }).notNull(),
    eventType: text('event_type').notNull(),
    /** The JSON body sent, frozen when the delivery was made. */
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    status: webhookDeliveryStatusEnum('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    /** A sender's claim while it posts; past it another may take the delivery over. */
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    /** The start of the receiver's last answer (at most 500 characters). */
    lastResponse: text('last_response'),
    lastDurationMs: integer('last_duration_ms'),
    /** A replay is a new delivery of the same event; this names the one it repeats. */
    replayOf: uuid('replay_of'),
    createdAt: createdAt(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [
    index('webhook_deliveries_due_idx').on(t.status, t.nextAttemptAt),
    index('webhook_deliveries_endpoint_idx').on(t.endpointId, t.createdAt),
  ],
);

/** How far the fan-out has read the event feed: every transaction older than `horizon` is handled. */
export const webhookCursor = pgTable('webhook_cursor', {
  name: text('name').primaryKey(),
  horizon: xid8('horizon').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const orderStatusEnum = pgEnum('order_status', [
  'pending',
  'accepted',
  'rejected',
  'preparing',
  'shipped',
  'delivered',
  'checked',
  'cancelled',
]);

/**
 * A pooled purchase order: what a funded group buys from one organisation. At most one live order
 * per group; a rejected or cancelled one may be followed by another (to a different supplier).
 * Money is in minor units of the group's currency.
 */
export const supplierOrders = pgTable(
  'supplier_orders',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Human order number, shown as PO-<number>. */
    number: bigint('number', { mode: 'number' }).notNull().generatedAlwaysAsIdentity({ startWith: 1001 }),
    groupId: uuid('group_id')
      .notNull()
      .references(() => groups.id),
    supplierId: uuid('supplier_id')
      .notNull()
      .references(() => suppliers.id),
    /** The accepted quote this order came from, when the group went out for quotes. */
    quoteId: uuid('quote_id'),
    status: orderStatusEnum('status').notNull().default('pending'),
    quantity: integer('quantity').notNull(),
    unitPrice: integer('unit_price').notNull(),
    currency: text('currency').$type<Currency>().notNull(),
    subtotal: bigint('subtotal', { mode: 'number' }).notNull(),
    leadTimeDays: integer('lead_time_days'),
    pickupPointId: uuid('pickup_point_id').references(() => pickupPoints.id),
    rejectionReason: text('rejection_reason'),
    carrier: text('carrier'),
    trackingNumber: text('tracking_number'),
    eta: timestamp('eta', { withTimezone: true }),
    qualityNote: text('quality_note'),
    /** Partial refunds the admin's quality check sent to traders (minor units): the payout shrinks by it. */
    refundedAmount: bigint('refunded_amount', { mode: 'number' }).notNull().default(0),
    acceptedAt: timestamp('accepted_at', { withTimezone: true }),
    shippedAt: timestamp('shipped_at', { withTimezone: true }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    checkedAt: timestamp('checked_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('supplier_orders_number_key').on(t.number),
    uniqueIndex('supplier_orders_live_group_key')
      .on(t.groupId)
      .where(sql`${t.status} not in ('rejected', 'cancelled')`),
    index('supplier_orders_supplier_idx').on(t.supplierId, t.status, t.createdAt),
  ],
);

// ---- Requests for quotes (issue 11: orders) ----
export const quoteRequestStatusEnum = pgEnum('quote_request_status', ['open', 'awarded', 'cancelled']);

/**
 * An admin's request for quotes for a funded group, instead of the direct order: sent to every
 * verified organisation serving the product's category at the time (invited_supplier_ids). One
 * open request per group.
 */
export const quoteRequests = pgTable(
  'quote_requests',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    groupId: uuid('group_id')
      .notNull()
      .references(() => groups.id),
    category: text('category').$type<Category>().notNull(),
    quantity: integer('quantity').notNull(),
    currency: text('currency').$type<Currency>().notNull(),
    /** Quotes are taken until then. */
    deadline: timestamp('deadline', { withTimezone: true }).notNull(),
    /** The longest lead time acceptable (days from acceptance to delivery); null: any. */
    requiredLeadTimeDays: integer('required_lead_time_days'),
    invitedSupplierIds: uuid('invited_supplier_ids').array().notNull(),
    status: quoteRequestStatusEnum('status').notNull().default('open'),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('quote_requests_open_group_key').on(t.groupId).where(sql`${t.status} = 'open'`),
    index('quote_requests_status_idx').on(t.status, t.createdAt),
  ],
);

export const quoteStatusEnum = pgEnum('quote_status', ['submitted', 'accepted', 'declined']);

/** An organisation's quote on a request: one per organisation, changed by resubmitting while open. */
export const supplierQuotes = pgTable(
  'supplier_quotes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    requestId: uuid('request_id')
      .notNull()
      .references(() => quoteRequests.id),
    supplierId: uuid('supplier_id')
      .notNull()
      .references(() => suppliers.id),
    unitPrice: integer('unit_price').notNull(),
    currency: text('currency').$type<Currency>().notNull(),
    leadTimeDays: integer('lead_time_days').notNull(),
    validUntil: timestamp('valid_until', { withTimezone: true }).notNull(),
    note: text('note'),
    status: quoteStatusEnum('status').notNull().default('submitted'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('supplier_quotes_request_supplier_key').on(t.requestId, t.supplierId), index('supplier_quotes_supplier_idx').on(t.supplierId, t.createdAt)],
);

/**
 * A trader's rating of what they collected: one per contribution, only once its pickup pass was
 * redeemed (api/modules/ratings). The product's and the organisation's sums and counts move in the
 * same transaction.
 */
export const ratings = pgTable(
  'ratings',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    contributionId: uuid('contribution_id')
      .notNull()
      .references(() => contributions.id),
    traderId: uuid('trader_id')
      .notNull()
      .references(() => users.id),
    groupId: uuid('group_id')
      .notNull()
      .references(() => groups.id),
    productId: uuid('product_id')
      .notNull()
      .references(() => products.id),
    supplierId: uuid('supplier_id')
      .notNull()
      .references(() => suppliers.id),
    score: integer('score').notNull(),
    comment: text('comment'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('ratings_contribution_key').on(t.contributionId),
    index('ratings_product_idx').on(t.productId, t.createdAt),
    index('ratings_supplier_idx').on(t.supplierId, t.createdAt),
    check('ratings_score_range', sql`${t.score} between 1 and 5`),
  ],
);

// ---- Invoices and payouts (issue 11: money) ----------------------------------------------------

export const invoiceStatusEnum = pgEnum('invoice_status', ['issued', 'paid', 'overdue']);

/**
 * Each organisation's invoice counter: the next number is taken by incrementing this row inside the
 * transaction that accepts the order, so the row stays locked until that commits and a rolled-back
 * acceptance gives its number back. A sequence would leave a gap for every rollback, and invoice
 * numbers must run without gaps.
 */
export const invoiceCounters = pgTable(
  'invoice_counters',
  {
    supplierId: uuid('supplier_id')
      .primaryKey()
      .references(() => suppliers.id),
    /** INV-<prefix>-000001: letters of the trading name, unique across organisations. */
    prefix: text('prefix').notNull(),
    lastNumber: integer('last_number').notNull().default(0),
  },
  (t) => [uniqueIndex('invoice_counters_prefix_key').on(t.prefix)],
);

/** One line of an invoice, amounts in minor units of the invoice's currency. */
export interface InvoiceLine {
  description: string;
  quantity: number;
  unit: string;
  unitPrice: number;
  amount: number;
}

/** The issuer as it stood when the invoice was issued: an issued invoice never changes. */
export interface InvoiceIssuer {
  name: string;
  address: string;
  area: string;
  taxNumber: string | null;
  registrationNumber: string | null;
  email: string;
  phone: string;
}

/**
 * The organisation's invoice to the platform for an accepted order: goods at the order's price,
 * VAT on top, and the platform's commission, which is kept back from the payout. One per order.
 */
export const invoices = pgTable(
  'invoices',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    supplierId: uuid('supplier_id')
      .notNull()
      .references(() => suppliers.id),
    orderId: uuid('order_id')
      .notNull()
      .references(() => supplierOrders.id),
    groupId: uuid('group_id')
      .notNull()
      .references(() => groups.id),
    /** 1, 2, 3 … per organisation, without gaps. */
    sequence: integer('sequence').notNull(),
    number: text('number').notNull(),
    status: invoiceStatusEnum('status').notNull().default('issued'),
    currency: text('currency').$type<Currency>().notNull(),
    lines: jsonb('lines').$type<InvoiceLine[]>().notNull(),
    issuer: jsonb('issuer').$type<InvoiceIssuer>().notNull(),
    subtotal: bigint('subtotal', { mode: 'number' }).notNull(),
    /** Rates in basis points (1550 = 15.5 %), as they were at issue. */
    vatRateBp: integer('vat_rate_bp').notNull(),
    vatAmount: bigint('vat_amount', { mode: 'number' }).notNull(),
    total: bigint('total', { mode: 'number' }).notNull(),
    commissionRateBp: integer('commission_rate_bp').notNull(),
    commissionAmount: bigint('commission_amount', { mode: 'number' }).notNull(),
    /** total - commission: what the payout sends (less any refunds the quality check made). */
    payableAmount: bigint('payable_amount', { mode: 'number' }).notNull(),
    issuedAt: timestamp('issued_at', { withTimezone: true, precision: 3 }).notNull(),
    dueAt: timestamp('due_at', { withTimezone: true, precision: 3 }).notNull(),
    paidAt: timestamp('paid_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('invoices_order_key').on(t.orderId),
    uniqueIndex('invoices_supplier_sequence_key').on(t.supplierId, t.sequence),
    uniqueIndex('invoices_number_key').on(t.number),
    index('invoices_supplier_idx').on(t.supplierId, t.issuedAt, t.id),
    index('invoices_status_due_idx').on(t.status, t.dueAt),
  ],
);

/** A reminder sent for an invoice, `daysBefore` its due date: the key makes each one go out once. */
export const invoiceReminders = pgTable(
  'invoice_reminders',
  {
    invoiceId: uuid('invoice_id')
      .notNull()
      .references(() => invoices.id),
    daysBefore: integer('days_before').notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.invoiceId, t.daysBefore] })],
);

// pending → sending (claimed by one sender, with a lease) → processing (the provider queued it) →
// paid | failed; sending → paid | failed when the provider answers at once (api/modules/payouts/lifecycle.ts).
export const payoutStatusEnum = pgEnum('payout_status', ['pending', 'sending', 'processing', 'paid', 'failed']);

/** A transfer to an organisation's payout account for a checked order: the invoice less commission. */
export const payouts = pgTable(
  'payouts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    supplierId: uuid('supplier_id')
      .notNull()
      .references(() => suppliers.id),
    orderId: uuid('order_id')
      .notNull()
      .references(() => supplierOrders.id),
    invoiceId: uuid('invoice_id').references(() => invoices.id),
    /** Our reference for the transfer, sent to the provider and expected back in its webhook. */
    reference: text('reference').notNull(),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    currency: text('currency').$type<Currency>().notNull(),
    /** The payout account as it was when the payout was decided. */
    account: jsonb('account').$type<PayoutAccount>().notNull(),
    status: payoutStatusEnum('status').notNull().default('pending'),
    provider: text('provider').$type<Provider>().notNull(),
    providerTransferId: text('provider_transfer_id'),
    error: text('error'),
    /** Set when a webhook or the provider said something that does not match this payout. */
    flaggedReason: text('flagged_reason'),
    claimedUntil: timestamp('claimed_until', { withTimezone: true }),
    paidAt: timestamp('paid_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('payouts_order_key').on(t.orderId),
    uniqueIndex('payouts_reference_key').on(t.reference),
    index('payouts_supplier_idx').on(t.supplierId, t.createdAt, t.id),
    index('payouts_status_idx').on(t.status, t.createdAt),
  ],
);

/** The sandbox provider's transfers: what Flutterwave would hold on its side. */
export const sandboxTransfers = pgTable(
  'sandbox_transfers',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity({ startWith: 7_000_000 }),
    reference: text('reference').notNull(),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    currency: text('currency').$type<Currency>().notNull(),
    accountBank: text('account_bank').notNull(),
    accountNumber: text('account_number').notNull(),
    status: text('status').notNull().default('NEW'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('sandbox_transfers_reference_key').on(t.reference)],
);
// ---- Group chat (api/modules/chat) ------------------------------------------------------------------

/**
 * A message in a group's chat: text, an image from the image store, or both. Moderators hide a
 * message rather than delete it, so a report about it can still be read; others see it as hidden.
 */
export const chatMessages = pgTable(
  'chat_messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    groupId: uuid('group_id')
      .notNull()
      .references(() => groups.id),
    authorId: uuid('author_id')
      .notNull()
      .references(() => users.id),
    text: text('text'),
    /** The image store's id and public URL of an attached image. */
    imageId: text('image_id'),
    imageUrl: text('image_url'),
    hiddenAt: timestamp('hidden_at', { withTimezone: true, precision: 3 }),
    hiddenBy: uuid('hidden_by').references(() => users.id, { onDelete: 'set null' }),
    hiddenReason: text('hidden_reason'),
    createdAt: createdAt(),
  },
  // History pages read a group's messages newest first off this index.
  (t) => [index('chat_messages_group_idx').on(t.groupId, t.createdAt, t.id)],
);

/**
 * An image uploaded to a group's chat (POST /api/groups/{id}/chat/images), kept by the image store.
 * A message may attach it only in that group and only by its uploader: the row is the proof.
 */
export const chatImages = pgTable('chat_images', {
  id: uuid('id').primaryKey().defaultRandom(),
  groupId: uuid('group_id')
    .notNull()
    .references(() => groups.id),
  uploaderId: uuid('uploader_id')
    .notNull()
    .references(() => users.id),
  /** The store's own name for it, and where anyone may fetch it. */
  key: text('key').notNull(),
  url: text('url').notNull(),
  contentType: text('content_type').notNull(),
  bytes: integer('bytes').notNull(),
  createdAt: createdAt(),
});

/** A user who may not post in one group's chat until `until` (set again to extend or shorten it). */
export const chatMutes = pgTable(
  'chat_mutes',
  {
    groupId: uuid('group_id')
      .notNull()
      .references(() => groups.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    until: timestamp('until', { withTimezone: true, precision: 3 }).notNull(),
    reason: text('reason'),
    mutedBy: uuid('muted_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.userId] })],
);

export const chatReportStatusEnum = pgEnum('chat_report_status', ['open', 'resolved']);

/** A participant's report of a message, open until an admin resolves it (hiding the message or not). */
export const chatReports = pgTable(
  'chat_reports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    messageId: uuid('message_id')
      .notNull()
      .references(() => chatMessages.id),
    groupId: uuid('group_id')
      .notNull()
      .references(() => groups.id),
    reporterId: uuid('reporter_id')
      .notNull()
      .references(() => users.id),
    reason: text('reason').notNull(),
    status: chatReportStatusEnum('status').notNull().default('open'),
    /** hidden (the message was hidden) or dismissed. */
    resolution: text('resolution').$type<'hidden' | 'dismissed'>(),
    resolutionNote: text('resolution_note'),
    resolvedBy: uuid('resolved_by').references(() => users.id, { onDelete: 'set null' }),
    resolvedAt: timestamp('resolved_at', { withTimezone: true, precision: 3 }),
    createdAt: createdAt(),
  },
  (t) => [
    // One open report per reporter and message: reporting twice adds nothing for the moderator.
    uniqueIndex('chat_reports_open_key').on(t.messageId, t.reporterId).where(sql`status = 'open'`),
    index('chat_reports_status_idx').on(t.status, t.createdAt, t.id),
  ],
);

// ---- API keys and outbound webhooks (issue 11: access) ----

/** What an API key may do; the spec's operations name the one they need in `x-scopes`. */
export const apiKeyScopes = ['catalog:read', 'catalog:write', 'orders:read', 'orders:write', 'invoices:read', 'webhooks:write'] as const;
export type ApiKeyScope = (typeof apiKeyScopes)[number];

/**
 * A script's credential, acting for its organisation with its scopes (api/modules/api-keys). The
 * key (`csk_` + 32 random bytes) is shown once; only its SHA-256 is kept: with that much entropy a
 * fast hash is enough, and the auth hook looks it up by hash on every request.
 */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    supplierId: uuid('supplier_id')
      .notNull()
      .references(() => suppliers.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** The first characters of the key (`csk_AbC1…`), so a person can tell keys apart. */
    prefix: text('prefix').notNull(),
    keyHash: text('key_hash').notNull(),
    scopes: text('scopes').array().$type<ApiKeyScope[]>().notNull(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    /** Written at most once a minute per key (auth hook), so a busy script costs no write per request. */
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, precision: 3 }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, precision: 3 }),
    revokedBy: uuid('revoked_by').references(() => users.id, { onDelete: 'set null' }),
  },
  (t) => [uniqueIndex('api_keys_hash_key').on(t.keyHash), index('api_keys_supplier_idx').on(t.supplierId, t.createdAt)],
);

export const alertSeverityEnum = pgEnum('alert_severity', ['warning', 'critical']);
export const alertStatusEnum = pgEnum('alert_status', ['open', 'acknowledged', 'resolved']);

/**
 * Alerts raised by the evaluate-alerts job (api/modules/alerts). `key` names what is wrong (a rule,
 * or a rule and its subject: job_failures:expire-groups); at most one alert per key is not
 * resolved, so a condition that persists repeats its alert (occurrences, lastSeenAt) rather than
 * opening another, and one that clears resolves it. Acknowledging stops the repeat mails, not the
 * alert: it still resolves when the condition clears.
 */
export const alerts = pgTable(
  'alerts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    rule: text('rule').$type<components['schemas']['AlertRule']>().notNull(),
    key: text('key').notNull(),
    severity: alertSeverityEnum('severity').notNull(),
    status: alertStatusEnum('status').notNull().default('open'),
    subject: text('subject').notNull(),
    message: text('message').notNull(),
    value: doublePrecision('value').notNull(),
    threshold: doublePrecision('threshold').notNull(),
    occurrences: integer('occurrences').notNull().default(1),
    openedAt: createdAt(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    lastNotifiedAt: timestamp('last_notified_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true, precision: 3 }),
    acknowledgedBy: uuid('acknowledged_by').references(() => users.id, { onDelete: 'set null' }),
    resolvedAt: timestamp('resolved_at', { withTimezone: true, precision: 3 }),
  },
  (t) => [
    uniqueIndex('alerts_active_key').on(t.key).where(sql`status <> 'resolved'`),
    index('alerts_status_idx').on(t.status, t.lastSeenAt),
  ],
);

// ---------------------------------------------------------------------------------------------
// Analytics (api/modules/analytics): the append-only event store, the ETL's watermark, what it
// quarantined, and what it builds (daily KPI counters, per-trader features).

/**
 * The events the recommender learns from: group pages opened and recommendations clicked, as the
 * server saw them (a client's own report of either is analytics, not training signal: the server
 * cannot check it, and it would count the same open twice). Joins and payments are read from
 * contributions. Literal SQL over unqualified columns (no parameters), so that the partial indexes
 * match every query filtering with it, prepared statements included.
 */
export const signalEventCondition = sql`(source = 'server' and type in ('group_view', 'recommendation_clicked') and user_id is not null and product_id is not null)`;

/**
 * Every tracked event, append-only: the clients' (POST /api/analytics/track) and the server's own
 * (joins, payments, pickups, refunds, group outcomes, and what the recommender served and saw:
 * recommendation_shown, recommendation_clicked, group_view), recorded in the transaction of the
 * action. `event_id` is the client's id for its event (duplicates are ignored) or a server-made one;
 * a recommendation_shown's event_id is the recommendationId handed to the client, and the clicks and
 * joins that follow it carry that id in `recommendation_id`.
 */
export const analyticsEvents = pgTable(
  'analytics_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    eventId: uuid('event_id').notNull(),
    source: text('source').$type<'client' | 'server'>().notNull(),
    type: text('type').notNull(),
    userId: uuid('user_id'),
    deviceId: text('device_id'),
    groupId: uuid('group_id'),
    productId: uuid('product_id'),
    recommendationId: uuid('recommendation_id'),
    properties: jsonb('properties').$type<Record<string, unknown>>().notNull().default({}),
    occurredAt: timestamp('occurred_at', { withTimezone: true, precision: 3 }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    /** The writing transaction: the ETL reads by it, so an event committed late is never skipped. */
    tx: xid8('tx').notNull().default(sql`pg_current_xact_id()`),
  },
  (t) => [
    uniqueIndex('analytics_events_event_id_key').on(t.eventId),
    index('analytics_events_tx_idx').on(t.tx),
    index('analytics_events_occurred_idx').on(t.occurredAt),
    index('analytics_events_user_idx').on(t.userId, t.occurredAt),
    index('analytics_events_device_idx').on(t.deviceId).where(sql`user_id is null and device_id is not null`),
    // The recommender's signal, read by id (training), by trader since a time (serving, on every
    // recommendation request) and since a time (model health). Impressions are most of the rows and
    // each request adds ten, so the indexes hold the signal alone.
    index('analytics_events_signal_idx').on(t.id).where(signalEventCondition),
    index('analytics_events_trader_signal_idx').on(t.userId, t.occurredAt).where(signalEventCondition),
    index('analytics_events_signal_occurred_idx').on(t.occurredAt).where(signalEventCondition),
    // The A/B report and the ETL's per-variant counters: clicks and joins that follow a recommendation.
    index('analytics_events_recommendation_idx').on(t.recommendationId).where(sql`recommendation_id is not null`),
  ],
);


/** An anonymous device and the trader who later signed in on it; its earlier events become theirs. */
export const analyticsDevices = pgTable('analytics_devices', {
  deviceId: text('device_id').primaryKey(),
  userId: uuid('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  linkedAt: timestamp('linked_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
});

/** Events the ETL could not use, with why: kept (never lost) and counted in the KPIs' data quality. */
export const analyticsQuarantine = pgTable(
  'analytics_quarantine',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    eventId: uuid('event_id'),
    type: text('type'),
    reason: text('reason').notNull(),
    event: jsonb('event').$type<Record<string, unknown>>().notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true, precision: 3 }),
    quarantinedAt: timestamp('quarantined_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [index('analytics_quarantine_at_idx').on(t.quarantinedAt)],
);

/** How far each ETL step has read the event store (by writing transaction, like the webhook fan-out). */
export const analyticsWatermarks = pgTable('analytics_watermarks', {
  name: text('name').primaryKey(),
  horizon: xid8('horizon').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Additive counters per day (UTC) and slice: market (api/modules/analytics/market.ts), category and supplier organisation (of the product),
 * and currency for amounts. Reports sum them over a range and a
 * slice and divide at the end, so a ratio over a month is the month's, not an average of days'.
 * A day is rebuilt whole from the raw events whenever one of its events arrives (late ones too).
 */
export const analyticsDaily = pgTable(
  'analytics_daily',
  {
    day: date('day', { mode: 'string' }).notNull(),
    market: text('market').notNull(),
    category: text('category').notNull(),
    supplierId: text('supplier_id').notNull(),
    currency: text('currency').notNull(),
    views: bigint('views', { mode: 'number' }).notNull().default(0),
    joins: bigint('joins', { mode: 'number' }).notNull().default(0),
    paidJoins: bigint('paid_joins', { mode: 'number' }).notNull().default(0),
    paymentsSucceeded: bigint('payments_succeeded', { mode: 'number' }).notNull().default(0),
    paymentsFailed: bigint('payments_failed', { mode: 'number' }).notNull().default(0),
    goodsAmount: bigint('goods_amount', { mode: 'number' }).notNull().default(0),
    feeAmount: bigint('fee_amount', { mode: 'number' }).notNull().default(0),
    refundAmount: bigint('refund_amount', { mode: 'number' }).notNull().default(0),
    passesIssued: bigint('passes_issued', { mode: 'number' }).notNull().default(0),
    pickups: bigint('pickups', { mode: 'number' }).notNull().default(0),
    groupsClosed: bigint('groups_closed', { mode: 'number' }).notNull().default(0),
    groupsSucceeded: bigint('groups_succeeded', { mode: 'number' }).notNull().default(0),
    succeededParticipants: bigint('succeeded_participants', { mode: 'number' }).notNull().default(0),
    succeededGoods: bigint('succeeded_goods', { mode: 'number' }).notNull().default(0),
  },
  (t) => [uniqueIndex('analytics_daily_key').on(t.day, t.market, t.category, t.supplierId, t.currency)],
);

/**
 * Recommendation impressions, clicks and joins per day and model variant (the A/B side of the KPIs),
 * from the server's recommendation_shown events and the clicks and joins that carry their id.
 */
export const analyticsDailyRecs = pgTable(
  'analytics_daily_recs',
  {
    day: date('day', { mode: 'string' }).notNull(),
    variant: text('variant').notNull(),
    shown: bigint('shown', { mode: 'number' }).notNull().default(0),
    clicked: bigint('clicked', { mode: 'number' }).notNull().default(0),
    joined: bigint('joined', { mode: 'number' }).notNull().default(0),
  },
  (t) => [uniqueIndex('analytics_daily_recs_key').on(t.day, t.variant)],
);

/**
 * Per-trader features the ETL keeps current for the traders whose events arrived: RFM, engagement,
 * churn risk, loyalty tier and segment. The recommender's training reads them.
 */
export const analyticsTraders = pgTable('analytics_traders', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  firstPaidAt: timestamp('first_paid_at', { withTimezone: true, precision: 3 }),
  lastPaidAt: timestamp('last_paid_at', { withTimezone: true, precision: 3 }),
  lastSeenAt: timestamp('last_seen_at', { withTimezone: true, precision: 3 }),
  recencyDays: doublePrecision('recency_days'),
  frequency: integer('frequency').notNull().default(0),
  monetary: bigint('monetary', { mode: 'number' }).notNull().default(0),
  engagement: doublePrecision('engagement').notNull().default(0),
  churnRisk: doublePrecision('churn_risk').notNull().default(0),
  loyaltyTier: text('loyalty_tier').notNull(),
  segment: text('segment').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
});
