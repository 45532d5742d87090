import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';

/** A percentage with at most two decimals ("15.5"), as integer basis points (1550). */
const percentBp = z
  .string()
  .regex(/^\d{1,2}(\.\d{1,2})?$/, 'must be a percentage below 100 with at most two decimals, e.g. 15.5')
  .transform((v) => Math.round(Number(v) * 100));

// Every setting the API reads, validated once at start so a typo fails loudly instead of later.
const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./.data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  // Connections of the API's pool on a PostgreSQL server. Join batches hold at most three of them
  // (groups/join-batches.ts), however many groups have joins in flight.
  DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(500).default(10),
  // Group views read in a snapshot are served again while nothing has committed since
  // (db/snapshot-cache.ts); false reads every one afresh (the bench measures both).
  READ_CACHE: z.enum(['true', 'false']).default('true'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PUBLIC_URL: z.string().url().optional(),
  JWT_KEYS_FILE: z.string().min(1).optional(),
  JWT_ISSUER: z.string().min(1).default('connectsphere'),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(900),
  REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  ADMIN_EMAIL: z.string().email().optional(),
  ADMIN_PASSWORD: z.string().min(10, 'must be at least 10 characters').optional(),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(64 * 1024),
  // Which proxies may tell us the client's address in X-Forwarded-For: none by default.
  TRUST_PROXY: z.string().default('false'),
  // Failed sign-ins for one account from one address, then from all addresses (looser), per window.
  LOGIN_MAX_PER_ACCOUNT_ADDRESS: z.coerce.number().int().min(1).default(10),
  LOGIN_MAX_PER_ACCOUNT: z.coerce.number().int().min(1).default(100),
  // Sign-in attempts (any outcome) from one address across accounts, per window.
  LOGIN_MAX_PER_ADDRESS: z.coerce.number().int().min(1).default(50),
  LOGIN_WINDOW_SECONDS: z.coerce.number().int().min(1).default(900),
  // Browser origins (scheme://host[:port]) of partner web apps allowed to call the API (CORS).
  CORS_ORIGINS: z.string().default(''),
  // Origins a checkout may send the trader back to (besides PUBLIC_URL's and CORS_ORIGINS), e.g. an app's site.
  PAYMENT_REDIRECT_ORIGINS: z.string().default(''),
  // Load shedding: answer 503 + Retry-After while the process is past any of these (0 = not checked).
  LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: z.coerce.number().int().min(0).default(1000),
  LOAD_SHED_MAX_EVENT_LOOP_UTILIZATION: z.coerce.number().min(0).max(1).default(0),
  LOAD_SHED_MAX_HEAP_USED_MB: z.coerce.number().int().min(0).default(0),
  LOAD_SHED_MAX_RSS_MB: z.coerce.number().int().min(0).default(0),
  LOAD_SHED_RETRY_AFTER_SECONDS: z.coerce.number().int().min(1).max(3600).default(10),
  REGISTER_MAX_PER_ADDRESS: z.coerce.number().int().min(1).default(10),
  REGISTER_WINDOW_SECONDS: z.coerce.number().int().min(1).default(3600),
  NOT_FOUND_MAX_PER_MINUTE: z.coerce.number().int().min(1).default(60),
  // Chat messages one user may post per minute (all groups together).
  CHAT_MAX_POSTS_PER_MINUTE: z.coerce.number().int().min(1).default(20),
  // Unset: demo data on the embedded database only, never with DATABASE_URL or in production.
  SEED_DEMO_DATA: z.enum(['true', 'false']).optional(),
  NOTIFY_TRANSPORT: z.enum(['log', 'file']).default('file'),
  // Email goes through SMTP (nodemailer) when this is set, e.g. smtp://user:pass@mail.example.co.zw:587.
  SMTP_URL: z.string().url().optional(),
  EMAIL_FROM: z.string().min(3).default('ConnectSphere <no-reply@connectsphere.co.zw>'),
  // SMS goes through Africa's Talking when both are set (username "sandbox" for their sandbox).
  AFRICASTALKING_USERNAME: z.string().min(1).optional(),
  AFRICASTALKING_API_KEY: z.string().min(1).optional(),
  AFRICASTALKING_SENDER_ID: z.string().min(1).max(11).optional(),
  AFRICASTALKING_BASE_URL: z.string().url().default('https://api.africastalking.com'),
  // Delivery attempts before a notification becomes a dead letter, and the first retry's wait (doubling).
  NOTIFY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(6),
  NOTIFY_RETRY_BASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  PAYMENT_PROVIDER: z.enum(['sandbox', 'flutterwave']).default('sandbox'),
  FLW_PUBLIC_KEY: z.string().min(1).optional(),
  FLW_SECRET_KEY: z.string().min(1).optional(),
  FLW_SECRET_HASH: z.string().min(8, 'must be at least 8 characters').optional(),
  FLW_BASE_URL: z.string().url().default('https://api.flutterwave.com'),
  PLATFORM_FEE_PERCENT: z.coerce.number().min(0).max(50).default(10),
  ZWG_PER_USD: z.coerce.number().positive().default(26.8),
  RESERVATION_MINUTES: z.coerce.number().int().min(1).max(10_080).default(30),
  PASS_VALIDITY_DAYS: z.coerce.number().int().min(1).max(365).default(14),
  // A refund sender's claim; after it the settle-refunds job looks the refund up at the provider.
  REFUND_CLAIM_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  // An Idempotency-Key's claim while its request runs, and how long its response is kept.
  IDEMPOTENCY_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  IDEMPOTENCY_RETENTION_HOURS: z.coerce.number().positive().max(24 * 90).default(24),
  JOBS_ENABLED: z.enum(['true', 'false']).default('true'),
  // Outbound webhooks: attempts before a delivery is dead, the first retry's wait (doubling), each POST's timeout,
  // how long a rotated-out secret still signs, and whether production endpoints may be plain http.
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  WEBHOOK_RETRY_BASE_SECONDS: z.coerce.number().positive().max(86_400).default(30),
  WEBHOOK_TIMEOUT_SECONDS: z.coerce.number().positive().max(120).default(10),
  WEBHOOK_ROTATION_GRACE_HOURS: z.coerce.number().min(0).max(24 * 30).default(24),
  WEBHOOK_ALLOW_HTTP: z.enum(['true', 'false']).optional(),
  // Analytics (api/modules/analytics): tracked batches a minute per trader or device; how late an event may
  // arrive and still count; how long raw events are kept once the daily figures hold them.
  ANALYTICS_TRACK_PER_MINUTE: z.coerce.number().int().min(1).default(120),
  ANALYTICS_MAX_LATENESS_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  ANALYTICS_RETENTION_DAYS: z.coerce.number().int().min(2).max(3650).default(180),
  // Alert rules (api/modules/alerts/rules.ts), evaluated by the evaluate-alerts job over the last ALERT_WINDOW_MINUTES.
  ALERT_WINDOW_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(60),
  ALERT_PAYMENT_FAILURE_RATE: z.coerce.number().min(0).max(1).default(0.25),
  ALERT_PAYMENT_MIN_ATTEMPTS: z.coerce.number().int().min(1).default(10),
  ALERT_JOB_FAILURES: z.coerce.number().int().min(1).default(2),
  ALERT_MODEL_MAX_AGE_HOURS: z.coerce.number().positive().default(72),
  ALERT_MODEL_QUALITY_DROP: z.coerce.number().min(0).max(1).default(0.2),
  ALERT_STALE_RESERVATIONS: z.coerce.number().int().min(1).default(20),
  ALERT_EXPIRY_HOURS: z.coerce.number().positive().default(24),
  ALERT_WEBHOOK_FAILURES: z.coerce.number().int().min(1).default(10),
  ALERT_SLOW_P99_MS: z.coerce.number().positive().default(500),
  ALERT_SLOW_MIN_REQUESTS: z.coerce.number().int().min(1).default(100),
  ALERT_REPEAT_MINUTES: z.coerce.number().int().min(1).default(60),
  // Per-job schedule overrides, "name=interval" pairs in Bree's notation: "deliver-notifications=10s,expire-passes=2m".
  JOB_INTERVALS: z
    .string()
    .regex(/^\s*$|^\s*[a-z][a-z-]*=\d+(ms|s|m|h|d)?\s*(,\s*[a-z][a-z-]*=\d+(ms|s|m|h|d)?\s*)*$/, 'expected name=interval pairs, e.g. deliver-notifications=10s,expire-passes=2m')
    .default(''),
  // Real time (/api/ws): protocol pings, the slow-consumer cut-off, and how long events stay resumable.
  REALTIME_HEARTBEAT_SECONDS: z.coerce.number().positive().max(600).default(30),
  REALTIME_MAX_BUFFERED_BYTES: z.coerce.number().int().min(1024).default(1024 * 1024),
  EVENTS_RETENTION_HOURS: z.coerce.number().positive().max(24 * 90).default(72),
  // Recommendations: retrain after this many new interactions, or once the model is this old.
  ML_RETRAIN_THRESHOLD: z.coerce.number().int().min(1).default(200),
  ML_RETRAIN_MAX_AGE_HOURS: z.coerce.number().positive().default(24),
  // Train a first model in the background when none exists at start (never delays listening).
  ML_TRAIN_ON_START: z.enum(['true', 'false']).default('true'),
  ML_MODELS_DIR: z.string().min(1).optional(),
  BACKUP_DIR: z.string().min(1).optional(),
  BACKUP_KEEP: z.coerce.number().int().min(1).max(1000).default(7),
  // Product (and later chat) images: a folder under DATA_DIR served by the API, or Cloudinary
  // (CLOUDINARY_URL=cloudinary://<api_key>:<api_secret>@<cloud_name>, as Cloudinary prints it).
  IMAGE_STORE: z.enum(['local', 'cloudinary']).default('local'),
  IMAGE_DIR: z.string().min(1).optional(),
  IMAGE_MAX_BYTES: z.coerce.number().int().min(1024).max(50 * 1024 * 1024).default(5 * 1024 * 1024),
  CLOUDINARY_URL: z
    .string()
    .regex(/^cloudinary:\/\/[^:@\s]+:[^@\s]+@[A-Za-z0-9_-]+$/, 'must be cloudinary://<api_key>:<api_secret>@<cloud_name>')
    .optional(),
  CLOUDINARY_FOLDER: z.string().regex(/^[A-Za-z0-9_/-]{1,100}$/).default('connectsphere'),
  CLOUDINARY_API_URL: z.string().url().default('https://api.cloudinary.com'),
  // Invoices and payouts (api/modules/invoices, api/modules/payouts). Rates in percent with at most
  // two decimals (kept as basis points: 15.5 % is 1550), so invoice arithmetic stays in integers.
  VAT_RATE_PERCENT: percentBp.default(1550),
  SUPPLIER_COMMISSION_PERCENT: percentBp.default(500),
  INVOICE_DUE_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  // Reminders go out this many days before an invoice is due (comma-separated, each at most once).
  INVOICE_REMINDER_DAYS: z
    .string()
    .regex(/^\s*\d{1,3}(\s*,\s*\d{1,3})*\s*$/, 'must be whole days, comma-separated, e.g. 7,1')
    .default('7,1'),
  // A payout sender's claim; after it the reconcile-payouts job looks the transfer up at the provider.
  PAYOUT_CLAIM_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
});

export type Env = z.infer<typeof schema>;

export interface Config {
  env: Env['NODE_ENV'];
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  databasePoolSize: number;
  readCache: boolean;
  logLevel: Env['LOG_LEVEL'];
  publicUrl: string;
  jwt: { keysFile: string; issuer: string; accessTtlSeconds: number; refreshTtlDays: number };
  admin: { email: string; password: string } | undefined;
  bodyLimitBytes: number;
  /** Fastify's trustProxy: false, a hop count, or the proxies' addresses/CIDRs. */
  trustProxy: boolean | number | string[];
  loginLimits: { perAccountAddress: number; perAccount: number; perAddress: number; windowSeconds: number };
  registerLimits: { perAddress: number; windowSeconds: number };
  corsOrigins: string[];
  /** Where a checkout may return the trader: PUBLIC_URL's origin, CORS_ORIGINS and PAYMENT_REDIRECT_ORIGINS. */
  redirectOrigins: string[];
  loadShedding: { maxEventLoopDelayMs: number; maxEventLoopUtilization: number; maxHeapUsedBytes: number; maxRssBytes: number; retryAfterSeconds: number };
  notFoundPerMinute: number;
  chat: { maxPostsPerMinute: number };
  /** Whether a first start loads the demo data, and why (logged at start). */
  demoData: { load: boolean; reason: string };
  notifications: {
    transport: Env['NOTIFY_TRANSPORT'];
    smtpUrl: string | undefined;
    from: string;
    africasTalking: { username: string; apiKey: string; senderId: string | undefined; baseUrl: string } | undefined;
    maxAttempts: number;
    retryBaseSeconds: number;
  };
  payments: {
    provider: Env['PAYMENT_PROVIDER'];
    flutterwave: { publicKey: string; secretKey: string; baseUrl: string } | undefined;
    /** The shared secret webhooks carry in `verif-hash`. */
    secretHash: string;
    feePercent: number;
    zwgPerUsd: number;
    refundClaimSeconds: number;
  };
  reservationMinutes: number;
  passValidityDays: number;
  idempotency: { leaseSeconds: number; retentionHours: number };
  jobsEnabled: boolean;
  /** JOB_INTERVALS: schedule overrides by job name (checked against the registry when the scheduler starts). */
  jobIntervals: Record<string, string>;
  webhooks: { maxAttempts: number; retryBaseSeconds: number; timeoutSeconds: number; rotationGraceHours: number; allowHttp: boolean };
  /** Event tracking and the ETL (api/modules/analytics). */
  analytics: { trackPerMinute: number; maxLatenessDays: number; retentionDays: number };
  /** Alert rule thresholds (api/modules/alerts/rules.ts); rates are fractions, the window in minutes. */
  alerts: {
    windowMinutes: number;
    paymentFailureRate: number;
    paymentMinAttempts: number;
    jobFailures: number;
    modelMaxAgeHours: number;
    modelQualityDrop: number;
    staleReservations: number;
    expiryHours: number;
    webhookFailures: number;
    slowP99Ms: number;
    slowMinRequests: number;
    repeatMinutes: number;
  };
  realtime: { heartbeatSeconds: number; maxBufferedBytes: number; retentionHours: number };
  ml: { retrainThreshold: number; retrainMaxAgeHours: number; trainOnStart: boolean; modelsDir: string };
  /** Where backups go (api/modules/backups), and how many the backup-database job keeps. */
  backups: { dir: string; keep: number };
  /** Invoice and payout terms (api/modules/invoices, api/modules/payouts); rates in basis points. */
  money: { vatRateBp: number; commissionRateBp: number; invoiceDueDays: number; reminderDays: number[]; payoutClaimSeconds: number };
  /** Where uploaded images go (api/modules/images). */
  images: {
    store: Env['IMAGE_STORE'];
    dir: string;
    maxBytes: number;
    cloudinary: { cloudName: string; apiKey: string; apiSecret: string; folder: string; apiUrl: string } | undefined;
  };
}

export class ConfigError extends Error {}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings in .env files mean "not set", not "set to nothing".
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if ((e.ADMIN_EMAIL === undefined) !== (e.ADMIN_PASSWORD === undefined)) {
    throw new ConfigError('Invalid configuration:\n  ADMIN_EMAIL and ADMIN_PASSWORD must be set together');
  }
  // A day's figures are rebuilt from its raw events when a late one arrives: they must still be there.
  if (e.ANALYTICS_RETENTION_DAYS <= e.ANALYTICS_MAX_LATENESS_DAYS) {
    throw new ConfigError('Invalid configuration:\n  ANALYTICS_RETENTION_DAYS must be more than ANALYTICS_MAX_LATENESS_DAYS');
  }
  if (e.IMAGE_STORE === 'cloudinary' && !e.CLOUDINARY_URL) {
    throw new ConfigError('Invalid configuration:\n  IMAGE_STORE=cloudinary needs CLOUDINARY_URL');
  }
  if (e.PAYMENT_PROVIDER === 'flutterwave' && !(e.FLW_PUBLIC_KEY && e.FLW_SECRET_KEY && e.FLW_SECRET_HASH)) {
    throw new ConfigError(
      'Invalid configuration:\n  PAYMENT_PROVIDER=flutterwave needs FLW_PUBLIC_KEY, FLW_SECRET_KEY and FLW_SECRET_HASH',
    );
  }
  const dataDir = path.resolve(e.DATA_DIR);
  const trustProxy = parseTrustProxy(e.TRUST_PROXY);
  const demoData = decideDemoData(e);
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    dataDir,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    readCache: e.READ_CACHE === 'true',
    logLevel: e.LOG_LEVEL,
    publicUrl: e.PUBLIC_URL ?? `http://${e.HOST === '0.0.0.0' ? 'localhost' : e.HOST}:${e.PORT}`,
    jwt: {
      keysFile: path.resolve(e.JWT_KEYS_FILE ?? path.join(dataDir, 'keys', 'jwt-keys.json')),
      issuer: e.JWT_ISSUER,
      accessTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
      refreshTtlDays: e.REFRESH_TOKEN_TTL_DAYS,
    },
    admin: e.ADMIN_EMAIL && e.ADMIN_PASSWORD ? { email: e.ADMIN_EMAIL.toLowerCase(), password: e.ADMIN_PASSWORD } : undefined,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    trustProxy,
    loginLimits: {
      perAccountAddress: e.LOGIN_MAX_PER_ACCOUNT_ADDRESS,
      perAccount: e.LOGIN_MAX_PER_ACCOUNT,
      perAddress: e.LOGIN_MAX_PER_ADDRESS,
      windowSeconds: e.LOGIN_WINDOW_SECONDS,
    },
    registerLimits: { perAddress: e.REGISTER_MAX_PER_ADDRESS, windowSeconds: e.REGISTER_WINDOW_SECONDS },
    corsOrigins: parseOrigins(e.CORS_ORIGINS, 'CORS_ORIGINS'),
    redirectOrigins: [
      ...new Set([
        new URL(e.PUBLIC_URL ?? `http://${e.HOST === '0.0.0.0' ? 'localhost' : e.HOST}:${e.PORT}`).origin,
        ...parseOrigins(e.CORS_ORIGINS, 'CORS_ORIGINS'),
        ...parseOrigins(e.PAYMENT_REDIRECT_ORIGINS, 'PAYMENT_REDIRECT_ORIGINS'),
      ]),
    ],
    loadShedding: {
      maxEventLoopDelayMs: e.LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS,
      maxEventLoopUtilization: e.LOAD_SHED_MAX_EVENT_LOOP_UTILIZATION,
      maxHeapUsedBytes: e.LOAD_SHED_MAX_HEAP_USED_MB * 1024 * 1024,
      maxRssBytes: e.LOAD_SHED_MAX_RSS_MB * 1024 * 1024,
      retryAfterSeconds: e.LOAD_SHED_RETRY_AFTER_SECONDS,
    },
    notFoundPerMinute: e.NOT_FOUND_MAX_PER_MINUTE,
    chat: { maxPostsPerMinute: e.CHAT_MAX_POSTS_PER_MINUTE },
    demoData,
    notifications: {
      transport: e.NOTIFY_TRANSPORT,
      smtpUrl: e.SMTP_URL,
      from: e.EMAIL_FROM,
      africasTalking:
        e.AFRICASTALKING_USERNAME && e.AFRICASTALKING_API_KEY
          ? { username: e.AFRICASTALKING_USERNAME, apiKey: e.AFRICASTALKING_API_KEY, senderId: e.AFRICASTALKING_SENDER_ID, baseUrl: e.AFRICASTALKING_BASE_URL }
          : undefined,
      maxAttempts: e.NOTIFY_MAX_ATTEMPTS,
      retryBaseSeconds: e.NOTIFY_RETRY_BASE_SECONDS,
    },
    payments: {
      provider: e.PAYMENT_PROVIDER,
      flutterwave:
        e.FLW_PUBLIC_KEY && e.FLW_SECRET_KEY
          ? { publicKey: e.FLW_PUBLIC_KEY, secretKey: e.FLW_SECRET_KEY, baseUrl: e.FLW_BASE_URL }
          : undefined,
      // The sandbox signs its own webhooks; without a configured hash it uses one for this process.
      secretHash: e.FLW_SECRET_HASH ?? `sandbox-${randomBytes(16).toString('hex')}`,
      feePercent: e.PLATFORM_FEE_PERCENT,
      zwgPerUsd: e.ZWG_PER_USD,
      refundClaimSeconds: e.REFUND_CLAIM_SECONDS,
    },
    reservationMinutes: e.RESERVATION_MINUTES,
    passValidityDays: e.PASS_VALIDITY_DAYS,
    idempotency: { leaseSeconds: e.IDEMPOTENCY_LEASE_SECONDS, retentionHours: e.IDEMPOTENCY_RETENTION_HOURS },
    jobsEnabled: e.JOBS_ENABLED === 'true',
    analytics: { trackPerMinute: e.ANALYTICS_TRACK_PER_MINUTE, maxLatenessDays: e.ANALYTICS_MAX_LATENESS_DAYS, retentionDays: e.ANALYTICS_RETENTION_DAYS },
    alerts: {
      windowMinutes: e.ALERT_WINDOW_MINUTES,
      paymentFailureRate: e.ALERT_PAYMENT_FAILURE_RATE,
      paymentMinAttempts: e.ALERT_PAYMENT_MIN_ATTEMPTS,
      jobFailures: e.ALERT_JOB_FAILURES,
      modelMaxAgeHours: e.ALERT_MODEL_MAX_AGE_HOURS,
      modelQualityDrop: e.ALERT_MODEL_QUALITY_DROP,
      staleReservations: e.ALERT_STALE_RESERVATIONS,
      expiryHours: e.ALERT_EXPIRY_HOURS,
      webhookFailures: e.ALERT_WEBHOOK_FAILURES,
      slowP99Ms: e.ALERT_SLOW_P99_MS,
      slowMinRequests: e.ALERT_SLOW_MIN_REQUESTS,
      repeatMinutes: e.ALERT_REPEAT_MINUTES,
    },
    webhooks: {
      maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
      retryBaseSeconds: e.WEBHOOK_RETRY_BASE_SECONDS,
      timeoutSeconds: e.WEBHOOK_TIMEOUT_SECONDS,
      rotationGraceHours: e.WEBHOOK_ROTATION_GRACE_HOURS,
      // Plain http only off production unless asked: a webhook body is the organisation's business.
      allowHttp: e.WEBHOOK_ALLOW_HTTP ? e.WEBHOOK_ALLOW_HTTP === 'true' : e.NODE_ENV !== 'production',
    },
    jobIntervals: Object.fromEntries(
      e.JOB_INTERVALS.split(',')
        .map((pair) => pair.trim())
        .filter(Boolean)
        .map((pair) => pair.split('=') as [string, string]),
    ),
    realtime: { heartbeatSeconds: e.REALTIME_HEARTBEAT_SECONDS, maxBufferedBytes: e.REALTIME_MAX_BUFFERED_BYTES, retentionHours: e.EVENTS_RETENTION_HOURS },
    ml: {
      retrainThreshold: e.ML_RETRAIN_THRESHOLD,
      retrainMaxAgeHours: e.ML_RETRAIN_MAX_AGE_HOURS,
      trainOnStart: e.ML_TRAIN_ON_START === 'true',
      modelsDir: path.resolve(e.ML_MODELS_DIR ?? path.join(dataDir, 'ml_models')),
    },
    backups: { dir: path.resolve(e.BACKUP_DIR ?? path.join(dataDir, 'backups')), keep: e.BACKUP_KEEP },
    money: {
      vatRateBp: e.VAT_RATE_PERCENT,
      commissionRateBp: e.SUPPLIER_COMMISSION_PERCENT,
      invoiceDueDays: e.INVOICE_DUE_DAYS,
      reminderDays: [...new Set(e.INVOICE_REMINDER_DAYS.split(',').map((d) => Number(d.trim())))].sort((a, b) => b - a),
      payoutClaimSeconds: e.PAYOUT_CLAIM_SECONDS,
    },
    images: {
      store: e.IMAGE_STORE,
      dir: path.resolve(e.IMAGE_DIR ?? path.join(dataDir, 'images')),
      maxBytes: e.IMAGE_MAX_BYTES,
      cloudinary: parseCloudinaryUrl(e.CLOUDINARY_URL, e.CLOUDINARY_FOLDER, e.CLOUDINARY_API_URL),
    },
  };
}

function parseCloudinaryUrl(url: string | undefined, folder: string, apiUrl: string): Config['images']['cloudinary'] {
  if (!url) return undefined;
  const m = /^cloudinary:\/\/([^:@\s]+):([^@\s]+)@([A-Za-z0-9_-]+)$/.exec(url)!;
  return { apiKey: decodeURIComponent(m[1]!), apiSecret: decodeURIComponent(m[2]!), cloudName: m[3]!, folder, apiUrl: apiUrl.replace(/\/+$/, '') };
}

/**
 * TRUST_PROXY: "false" (default: X-Forwarded-For is ignored, the client is the socket's peer), a
 * hop count ("1": one proxy in front), or a comma list of proxy addresses/CIDRs. "true" (trust any
 * sender) is refused: it lets every client choose its own address and walk past per-address limits.
 */
function parseTrustProxy(value: string): Config['trustProxy'] {
  const v = value.trim();
  if (v === 'false' || v === '0') return false;
  if (/^\d+$/.test(v)) return Number(v);
  const entries = v.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = entries.filter((entry) => {
    const [address, prefix, ...rest] = entry.split('/');
    const family = isIP(address ?? '');
    if (!family || rest.length) return true;
    if (prefix === undefined) return false;
    return !/^\d+$/.test(prefix) || Number(prefix) > (family === 4 ? 32 : 128);
  });
  if (!entries.length || bad.length) {
    throw new ConfigError(
      `Invalid configuration:\n  TRUST_PROXY: must be false, a hop count or a comma list of proxy addresses/CIDRs (not ${bad.length ? bad.map((b) => JSON.stringify(b)).join(', ') : JSON.stringify(v)})`,
    );
  }
  return entries;
}

/** Demo accounts have a published password: never on a production or a real server's database unasked. */
function decideDemoData(e: Env): Config['demoData'] {
  if (e.NODE_ENV === 'production') {
    if (e.SEED_DEMO_DATA === 'true') {
      throw new ConfigError(
        'Invalid configuration:\n  SEED_DEMO_DATA: demo data (accounts with a published password) is refused when NODE_ENV=production',
      );
    }
    return { load: false, reason: 'NODE_ENV=production' };
  }
  if (e.SEED_DEMO_DATA === 'true') return { load: true, reason: 'SEED_DEMO_DATA=true' };
  if (e.SEED_DEMO_DATA === 'false') return { load: false, reason: 'SEED_DEMO_DATA=false' };
  return e.DATABASE_URL
    ? { load: false, reason: 'DATABASE_URL is set (SEED_DEMO_DATA=true asks for it)' }
    : { load: true, reason: 'embedded database and SEED_DEMO_DATA unset' };
}

/** A list of exact origins (for CORS_ORIGINS, "*" would let any site call the API with its users' tokens). */
function parseOrigins(value: string, name: string): string[] {
  const entries = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = entries.filter((entry) => {
    try {
      const u = new URL(entry);
      return !['http:', 'https:'].includes(u.protocol) || u.origin !== entry;
    } catch {
      return true;
    }
  });
  if (bad.length) {
    throw new ConfigError(
      `Invalid configuration:\n  ${name}: must be a comma list of origins such as https://app.example.co.zw (not ${bad.map((b) => JSON.stringify(b)).join(', ')})`,
    );
  }
  return entries;
}
