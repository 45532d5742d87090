import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { bindOperations } from '../../api/openapi/bind.ts';
import { specDefaults } from '../../api/openapi/contract.ts';
import { loadSpec } from '../../api/openapi/spec.ts';
import { freshApp } from '../helpers/app.ts';

describe('the server is bound to openapi.yaml', () => {
  it('refuses to start when an operation has no handler, or a handler has no operation', () => {
    const { operations } = loadSpec();
    const all = Object.fromEntries(operations.map((op) => [op.operationId, async () => ({})]));
    const { getHealth: _dropped, ...missingOne } = all;
    expect(() => bindOperations(Fastify(), operations, missingOne)).toThrow(/without a handler: getHealth/);
    expect(() => bindOperations(Fastify(), operations, { ...all, sneakyRoute: async () => ({}) })).toThrow(/not in openapi.yaml: sneakyRoute/);
  });

  it('the handler types know every default the spec fills in (query parameters, top-level body fields)', () => {
    const query: Record<string, string[]> = {};
    const body: Record<string, string[]> = {};
    for (const op of loadSpec().operations) {
      const q = op.parameters.filter((p) => p.in === 'query' && p.schema.default !== undefined).map((p) => p.name);
      if (q.length) query[op.operationId] = q.sort();
      const props = (op.requestBody?.schema.properties ?? {}) as Record<string, { default?: unknown }>;
      const b = Object.entries(props).filter(([, s]) => s.default !== undefined).map(([n]) => n);
      if (b.length) body[op.operationId] = b.sort();
    }
    const sorted = (m: Record<string, readonly string[]>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, [...v].sort()]));
    expect(sorted(specDefaults.query)).toEqual(query);
    expect(sorted(specDefaults.body)).toEqual(body);
  });

  it('serves exactly the routes in the spec (plus the /docs viewer)', async () => {
    const app = await freshApp();
    const { operations } = loadSpec();
    const expected = new Set(operations.map((op) => `${op.method.toUpperCase()} ${op.route}`));
    // Fastify adds HEAD for each GET; the docs viewer serves its own assets under /docs; CORS
    // answers preflight (OPTIONS) for every path.
    const unexpected = app.routeList.filter((r) => !expected.has(r) && !r.startsWith('HEAD ') && !/^\w+ \/docs/.test(r) && r !== 'OPTIONS *');
    expect(unexpected).toEqual([]);
    for (const route of expected) expect(app.routeList).toContain(route);
    await app.close();
  });

  it('every operation has an operationId, a tag, a summary and a response', () => {
    for (const op of loadSpec().operations) {
      expect(op.operationId).toMatch(/^[a-z][A-Za-z]+$/);
      expect(Object.keys(op.responses).length).toBeGreaterThan(0);
    }
  });
});
