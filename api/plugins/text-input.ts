import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpProblem, type FieldError } from '../errors.ts';

// Every string the API accepts is stored as PostgreSQL text or jsonb, which cannot hold U+0000
// (NUL) nor a lone UTF-16 surrogate (not a character at all; JSON can spell one, "\ud800"). The
// spec says so in its introduction ("Strings"); this is where it is enforced, for every string in
// a body (at any depth, also in bodies the spec leaves open, such as provider webhooks), in the
// query and in the path, before the schema validation runs, as the same 400 validation problem.

const nul = '\u0000';
// With the u flag a well-formed pair is one code point, so this matches only a lone surrogate.
const loneSurrogate = /\p{Cs}/u;

function problemWith(value: string): string | undefined {
  if (value.includes(nul)) return 'must not contain the NUL character (U+0000)';
  if (loneSurrogate.test(value)) return 'must be valid Unicode text (it holds a lone surrogate)';
  return undefined;
}

/** The first few strings (or object keys) that cannot be stored, by field path. */
export function unstorableStrings(value: unknown, at: string, out: FieldError[] = []): FieldError[] {
  if (out.length >= 10) return out;
  // Raw bodies (an image's bytes, a CSV stream: raw-bodies.ts) are not strings to store; their
  // handlers check what they keep.
  if (Buffer.isBuffer(value) || value instanceof Readable) return out;
  if (typeof value === 'string') {
    const message = problemWith(value);
    if (message) out.push({ field: at, message });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => unstorableStrings(v, `${at}.${i}`, out));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const message = problemWith(k);
      if (message) out.push({ field: at, message: `has a field name that ${message}` });
      unstorableStrings(v, `${at}.${k}`, out);
    }
  }
  return out;
}

function check(request: FastifyRequest): void {
  const errors = [
    ...unstorableStrings(request.params, 'params'),
    ...unstorableStrings(request.query, 'query'),
    ...unstorableStrings(request.body, 'body'),
  ];
  if (errors.length) {
    throw new HttpProblem(400, 'validation', 'Validation failed', errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
  }
}

export function registerTextInput(app: FastifyInstance): void {
  app.addHook('preValidation', (request, _reply, done) => {
    try {
      check(request);
      done();
    } catch (err) {
      done(err as Error);
    }
  });
}
