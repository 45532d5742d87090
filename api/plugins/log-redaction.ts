import { stdSerializers } from 'pino';

// A failed query carries its parameters: drizzle's DrizzleQueryError has them as `params` and in
// its message ("Failed query: ...\nparams: ..."), and PostgreSQL's error detail repeats the values
// of the row ("Failing row contains (...)", "Key (email)=(...) already exists"). For a registration
// that is the email, the phone and the argon2id hash. The SQL text stays in the log (it names
// tables and columns, never values: drizzle always binds them); the values do not.

export const redacted = '[redacted]';

/** Secrets that must never reach a log line, wherever they appear (pino's redact paths). */
export const redactPaths = ['req.headers.authorization', '*.password', '*.refreshToken', '*.accessToken', 'password', 'refreshToken'];

const withoutParams = (text: string) => text.replace(/\nparams: [\s\S]*?(?=\n {4}at |$)/, `\nparams: ${redacted}`);

function withoutValues(detail: string): string {
  return detail.replace(/\)=\([\s\S]*\)/, `)=(${redacted})`).replace(/contains \([\s\S]*\)/, `contains (${redacted})`);
}

type Serialized = ReturnType<typeof stdSerializers.err>;

function scrub<T extends Record<string, unknown>>(err: T, depth = 0): T {
  const out: Record<string, unknown> = { ...err };
  if ('params' in out) out.params = redacted;
  if (typeof out.message === 'string') out.message = withoutParams(out.message);
  if (typeof out.stack === 'string') out.stack = withoutParams(out.stack);
  if (typeof out.detail === 'string') out.detail = withoutValues(out.detail);
  // pino lists the causes' messages in the parent's stack and message; the cause itself too.
  if (out.cause && typeof out.cause === 'object' && depth < 5) out.cause = scrub(out.cause as Record<string, unknown>, depth + 1);
  return out as T;
}

/** pino's error serializer, with query parameters and row values taken out. */
export function errorSerializer(err: Error): Serialized {
  return scrub(stdSerializers.err(err));
}
