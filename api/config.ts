import path from 'node:path';
import { z } from 'zod';

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
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PUBLIC_URL: z.string().url().optional(),
  JWT_KEYS_FILE: z.string().min(1).optional(),
  JWT_ISSUER: z.string().min(1).default('connectsphere'),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(900),
  REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  ADMIN_EMAIL: z.string().email().optional(),
  ADMIN_PASSWORD: z.string().min(10, 'must be at least 10 characters').optional(),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(64 * 1024),
  LOGIN_MAX_PER_ACCOUNT: z.coerce.number().int().min(1).default(10),
  LOGIN_MAX_PER_ADDRESS: z.coerce.number().int().min(1).default(50),
  LOGIN_WINDOW_SECONDS: z.coerce.number().int().min(1).default(900),
  NOT_FOUND_MAX_PER_MINUTE: z.coerce.number().int().min(1).default(60),
  SEED_DEMO_DATA: z.enum(['true', 'false']).default('true'),
  NOTIFY_TRANSPORT: z.enum(['log', 'file']).default('file'),
  NOTIFY_INTERVAL_MS: z.coerce.number().int().min(0).default(2000),
});

export type Env = z.infer<typeof schema>;

export interface Config {
  env: Env['NODE_ENV'];
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  logLevel: Env['LOG_LEVEL'];
  publicUrl: string;
  jwt: { keysFile: string; issuer: string; accessTtlSeconds: number; refreshTtlDays: number };
  admin: { email: string; password: string } | undefined;
  bodyLimitBytes: number;
  loginLimits: { perAccount: number; perAddress: number; windowSeconds: number };
  notFoundPerMinute: number;
  seedDemoData: boolean;
  notifications: { transport: Env['NOTIFY_TRANSPORT']; intervalMs: number };
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
  const dataDir = path.resolve(e.DATA_DIR);
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    dataDir,
    databaseUrl: e.DATABASE_URL,
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
    loginLimits: {
      perAccount: e.LOGIN_MAX_PER_ACCOUNT,
      perAddress: e.LOGIN_MAX_PER_ADDRESS,
      windowSeconds: e.LOGIN_WINDOW_SECONDS,
    },
    notFoundPerMinute: e.NOT_FOUND_MAX_PER_MINUTE,
    seedDemoData: e.SEED_DEMO_DATA === 'true',
    notifications: { transport: e.NOTIFY_TRANSPORT, intervalMs: e.NOTIFY_INTERVAL_MS },
  };
}
