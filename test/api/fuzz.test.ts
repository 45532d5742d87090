import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSpec, type JsonObject, type Operation } from '../../api/openapi/spec.ts';
import { freshApp } from '../helpers/app.ts';
import { bearer, userWithRole } from '../helpers/users.ts';

// A spec-driven fuzz: for every operation in openapi.yaml, a request built to be valid, then one
// bad value at a time in its body, path and query (missing, wrong type, NUL, huge, negative,
// oversize, null), sent through the real app with a token of a role the operation allows. The
// API may refuse (4xx, as problem+json) or accept; it may never fail (5xx).

type Schema = JsonObject;
const nul = 'a\u0000b';
const oversize = 'x'.repeat(20_000);

/** A value the schema accepts, as far as the schema alone can say (ids are random, so mostly unknown). */
function sample(schema: Schema | undefined, depth = 0): unknown {
  if (!schema || depth > 6) return null;
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if ('default' in schema) return schema.default;
  for (const k of ['oneOf', 'anyOf', 'allOf'] as const) {
    if (Array.isArray(schema[k])) {
      if (k === 'allOf') return Object.assign({}, ...(schema[k] as Schema[]).map((s) => sample(s, depth + 1)));
      return sample((schema[k] as Schema[])[0], depth + 1);
    }
  }
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const props = (schema.properties ?? {}) as Record<string, Schema>;
      const required = new Set((schema.required as string[] | undefined) ?? []);
      return Object.fromEntries(Object.entries(props).filter(([k]) => required.has(k)).map(([k, s]) => [k, sample(s, depth + 1)]));
    }
    case 'array': {
      const min = (schema.minItems as number | undefined) ?? 0;
      return Array.from({ length: Math.max(min, 1) }, () => sample(schema.items as Schema, depth + 1));
    }
    case 'integer':
    case 'number':
      return (schema.minimum as number | undefined) ?? (schema.exclusiveMinimum as number | undefined ?? 0) + 1;
    case 'boolean':
      return true;
    case 'string':
      return sampleString(schema);
    default:
      return null;
  }
}

function sampleString(schema: Schema): string {
  switch (schema.format) {
    case 'uuid':
      return randomUUID();
    case 'date-time':
      return new Date(Date.now() + 86_400_000).toISOString();
    case 'date':
      return '2030-01-01';
    case 'email':
      return `fuzz-${randomUUID()}@example.co.zw`;
    case 'uri':
      return 'http://127.0.0.1/return';
  }
  const min = (schema.minLength as number | undefined) ?? 1;
  return 'a'.repeat(Math.max(min, 8));
}

/** Bad values for one schema position. */
function badValues(schema: Schema): unknown[] {
  const out: unknown[] = [null, [], {}, true, nul, oversize, -1, -2147483649, 2147483648, 9007199254740993, 1e23, 1.5];
  const type = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (type.includes('string')) out.push(`${String(sample(schema))}\u0000`, '\ud800');
  return out;
}

/** Every (path, schema) in a body, depth-first, for one-at-a-time mutation. */
function positions(schema: Schema | undefined, at: string[] = [], depth = 0): Array<{ at: string[]; schema: Schema }> {
  if (!schema || depth > 4) return [];
  const out = [{ at, schema }];
  const props = (schema.properties ?? {}) as Record<string, Schema>;
  for (const [k, s] of Object.entries(props)) out.push(...positions(s, [...at, k], depth + 1));
  if (schema.items) out.push(...positions(schema.items as Schema, [...at, '0'], depth + 1));
  return out;
}

function setAt(value: unknown, at: string[], v: unknown): unknown {
  if (at.length === 0) return v;
  const [head, ...rest] = at as [string, ...string[]];
  const base = (value && typeof value === 'object' ? structuredClone(value) : {}) as Record<string, unknown>;
  base[head] = setAt(base[head], rest, v);
  return base;
}

function withoutAt(value: unknown, at: string[]): unknown {
  const base = structuredClone(value) as Record<string, unknown>;
  if (at.length === 1) delete base[at[0]!];
  else if (base[at[0]!] && typeof base[at[0]!] === 'object') base[at[0]!] = withoutAt(base[at[0]!], at.slice(1));
  return base;
}

interface Probe {
  op: Operation;
  what: string;
  path: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
}

function probes(op: Operation): Probe[] {
  const path = Object.fromEntries(op.parameters.filter((p) => p.in === 'path').map((p) => [p.name, String(sample(p.schema))]));
  const query = Object.fromEntries(
    op.parameters.filter((p) => p.in === 'query' && p.required).map((p) => [p.name, String(sample(p.schema))]),
  ) as Record<string, string>;
  const bodySchema = op.requestBody?.schema;
  const body = bodySchema ? sample(bodySchema) : undefined;
  const out: Probe[] = [{ op, what: 'valid', path, query, body }];

  for (const p of op.parameters) {
    const bad = ['%00', 'a%00b', encodeURIComponent(oversize.slice(0, 900)), '-1', '2147483648', '9007199254740993', '1e23', '-1e23', 'abc', '1.5', '', '%F0%9F%98%80', '%ED%A0%80'];
    for (const v of bad) {
      if (p.in === 'path') out.push({ op, what: `path.${p.name}=${v.slice(0, 12)}`, path: { ...path, [p.name]: v }, query, body });
      // Query values are sent already encoded.
      if (p.in === 'query') out.push({ op, what: `query.${p.name}=${v.slice(0, 12)}`, path, query: { ...query, [p.name]: v }, body });
    }
  }
  if (bodySchema) {
    for (const { at, schema } of positions(bodySchema)) {
      const name = ['body', ...at].join('.');
      if (at.length > 0) out.push({ op, what: `${name} missing`, path, query, body: withoutAt(body, at) });
      for (const v of badValues(schema)) out.push({ op, what: `${name}=${JSON.stringify(v)?.slice(0, 16)}`, path, query, body: setAt(body, at, v) });
    }
  }
  return out;
}

function url(op: Operation, path: Record<string, string>, query: Record<string, string>) {
  const p = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const v = path[name] ?? 'x';
    // Values with a % are already encoded probes.
    return v.includes('%') ? v : encodeURIComponent(v);
  });
  const q = Object.entries(query)
    .map(([k, v]) => `${encodeURIComponent(k)}=${v.includes('%') ? v : encodeURIComponent(v)}`)
    .join('&');
  return q ? `${p}?${q}` : p;
}

describe('a spec-driven fuzz of every operation', () => {
  let app: FastifyInstance;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    // The sign-in limits would turn most login probes into 429s, which says nothing about the body.
    app = await freshApp({ LOGIN_MAX_PER_ADDRESS: '100000', LOGIN_MAX_PER_ACCOUNT: '100000' });
    for (const role of ['trader', 'supplier', 'staff', 'admin'] as const) tokens[role] = (await userWithRole(app, role)).accessToken;
  });
  afterAll(async () => app.close());

  it('answers no 5xx, and every 4xx is problem+json naming what was wrong', async () => {
    const operations = loadSpec().operations;
    const failures: string[] = [];
    const answered503 = new Set<string>();
    const counts = { requests: 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 };
    for (const op of operations) {
      const role = op.roles?.[0] ?? 'trader';
      for (const probe of probes(op)) {
        const headers: Record<string, string> = op.secured ? bearer(tokens[role]!) : {};
        const res = await app.inject({
          method: op.method.toUpperCase() as 'GET',
          url: url(op, probe.path, probe.query),
          headers: { ...headers, ...(op.requestBody ? { 'content-type': op.requestBody.contentType } : {}) },
          ...(probe.body === undefined
            ? {}
            : { payload: op.requestBody?.contentType === 'application/json' ? JSON.stringify(probe.body) : new URLSearchParams(probe.body as Record<string, string>).toString() }),
        });
        counts.requests += 1;
        const family = `${String(res.statusCode)[0]}xx` as keyof typeof counts;
        counts[family] += 1;
        const label = `${op.operationId} ${probe.what}: ${res.statusCode}`;
        // A 503 the operation documents (no model active yet, not ready) is an answer, not a failure.
        const documented503 = res.statusCode === 503 && '503' in op.responses;
        if (documented503) answered503.add(op.operationId);
        if (res.statusCode >= 500 && !documented503) failures.push(`${label} ${res.body.slice(0, 200)}`);
        if (res.statusCode >= 400 && !String(res.headers['content-type']).startsWith('application/problem+json')) {
          failures.push(`${label} not problem+json: ${res.headers['content-type']} ${res.body.slice(0, 120)}`);
        }
        if (res.statusCode === 400 && !Array.isArray((res.json() as { errors?: unknown }).errors)) {
          failures.push(`${label} a 400 without an errors list: ${res.body.slice(0, 200)}`);
        }
      }
    }
    console.log(
      `fuzz: ${counts.requests} requests over ${operations.length} operations; ${JSON.stringify(counts)}; ` +
        `documented 503 from: ${[...answered503].join(', ') || 'none'}; failures: ${failures.length}`,
    );
    expect(failures).toEqual([]);
    expect(counts.requests).toBeGreaterThan(2000);
  }, 240_000);
});
