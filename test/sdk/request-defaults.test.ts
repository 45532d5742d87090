// openapi-typescript makes a property with a `default` required in the generated types of
// components/schemas; the SDK makes it optional again in request bodies from `requestDefaults`
// (sdk/src/types.ts). This keeps that list equal to the properties with a default in the named
// schemas a request body reaches. (A default in a body written inline in the operation, like
// evaluateModel's `k`, stays optional in the generated type: openapi-typescript does not apply
// defaultNonNullable under `requestBody`, and Input<> only knows named schemas anyway.)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { requestDefaults } from '../../sdk/src/types.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
type Node = Record<string, unknown>;
const spec = parse(fs.readFileSync(path.join(root, 'openapi.yaml'), 'utf8')) as Node;
const schemas = ((spec.components as Node).schemas ?? {}) as Record<string, Node>;

/** `Schema.property` for every property with a default, in every named schema a JSON request body can reach. */
function defaultsInRequestBodies(): string[] {
  const found = new Set<string>();
  const visited = new Set<Node>();
  // `named`: inside a components/schemas entry (where openapi-typescript makes defaults required).
  const walk = (node: unknown, name: string, named: boolean) => {
    if (!node || typeof node !== 'object' || visited.has(node as Node)) return;
    visited.add(node as Node);
    const n = node as Node;
    if (typeof n.$ref === 'string') {
      const ref = n.$ref.replace('#/components/schemas/', '');
      return walk(schemas[ref], ref, true);
    }
    for (const [prop, sub] of Object.entries((n.properties ?? {}) as Record<string, Node>)) {
      if (named && sub && typeof sub === 'object' && 'default' in sub) found.add(`${name}.${prop}`);
      walk(sub, `${name}.${prop}`, named);
    }
    for (const key of ['items', 'additionalProperties']) walk(n[key], name, named);
    for (const key of ['allOf', 'oneOf', 'anyOf']) for (const sub of (n[key] ?? []) as unknown[]) walk(sub, name, named);
  };
  for (const [p, item] of Object.entries(spec.paths as Record<string, Node>)) {
    for (const [method, op] of Object.entries(item)) {
      const body = (op as Node)?.requestBody as Node | undefined;
      const json = (body?.content as Node | undefined)?.['application/json'] as Node | undefined;
      if (json) walk(json.schema, `${method.toUpperCase()} ${p} (inline body)`, false);
    }
  }
  return [...found].sort();
}

describe('requestDefaults', () => {
  it('lists exactly the request-body properties openapi.yaml gives a default', () => {
    const listed = Object.entries(requestDefaults)
      .flatMap(([schema, props]) => props.map((p) => `${schema}.${p}`))
      .sort();
    expect(listed, 'update requestDefaults in sdk/src/types.ts').toEqual(defaultsInRequestBodies());
  });
});
