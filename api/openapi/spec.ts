import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import $RefParser from '@apidevtools/json-schema-ref-parser';
import YAML from 'yaml';

export const specPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../openapi.yaml');

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export const httpMethods = ['get', 'put', 'post', 'delete', 'patch'] as const;
export type HttpMethod = (typeof httpMethods)[number];

export interface Operation {
  operationId: string;
  method: HttpMethod;
  /** The spec's path, e.g. /api/admin/users/{id} */
  path: string;
  /** The same path in Fastify's syntax, e.g. /api/admin/users/:id */
  route: string;
  secured: boolean;
  /** `security: [{}, {bearerAuth: []}]`: anyone may call it, and a bearer token, when sent, is checked. */
  optionalAuth: boolean;
  roles: string[] | undefined;
  /** `x-scopes`: what an API key needs to call it; without it, API keys are refused. */
  scopes: string[] | undefined;
  /** Parameters and schemas with every $ref resolved, ready for Ajv and fast-json-stringify. */
  parameters: Parameter[];
  /** `contentType` is the first media type listed; `contentTypes` all of them (an image upload takes several). */
  requestBody: { required: boolean; contentType: string; contentTypes: string[]; schema: JsonObject } | undefined;
  responses: Record<string, { contentType: string | undefined; schema: JsonObject | undefined }>;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: JsonObject;
}

export interface Spec {
  document: JsonObject;
  operations: Operation[];
}

let cached: Spec | undefined;

export function loadSpec(): Spec {
  cached ??= parseSpec(document, resolved);
  return cached;
}

// The document as written (served at /openapi.json, with its $refs), and the same with every $ref
// resolved by @apidevtools/json-schema-ref-parser. The resolver is asynchronous and loadSpec is not,
// so it runs once, when this module loads. A circular $ref is an error: Ajv and fast-json-stringify
// get plain schemas.
const document = YAML.parse(fs.readFileSync(specPath, 'utf8')) as JsonObject;
const resolved = (await $RefParser.dereference(structuredClone(document), {
  // Only this document's own $refs: nothing is fetched, nothing read from disk.
  resolve: { external: false },
  dereference: { circular: false },
})) as JsonObject;

/** A schema for the validators: OpenAPI annotations that are not JSON Schema keywords are left out. */
function schemaOnly(node: Json): Json {
  if (Array.isArray(node)) return node.map(schemaOnly);
  if (node === null || typeof node !== 'object') return node;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node)) {
    if (k.startsWith('x-') || k === 'example' || k === 'examples' || k === 'discriminator') continue;
    out[k] = schemaOnly(v);
  }
  return out;
}

function parseSpec(document: JsonObject, resolved: JsonObject): Spec {
  const globalSecurity = (document.security as Json[] | undefined) ?? [];
  const operations: Operation[] = [];
  for (const [p, item] of Object.entries(resolved.paths as JsonObject)) {
    const pathItem = item as JsonObject;
    const shared = (pathItem.parameters as Json[] | undefined) ?? [];
    for (const method of httpMethods) {
      const op = pathItem[method] as JsonObject | undefined;
      if (!op) continue;
      const params = [...shared, ...((op.parameters as Json[] | undefined) ?? [])].map((raw) => {
        const prm = raw as JsonObject;
        return {
          name: prm.name as string,
          in: prm.in as Parameter['in'],
          required: prm.required === true,
          schema: schemaOnly((prm.schema as JsonObject) ?? {}) as JsonObject,
        };
      });
      const body = op.requestBody as JsonObject | undefined;
      const bodyContent = body ? Object.entries(body.content as JsonObject)[0] : undefined;
      const responses: Operation['responses'] = {};
      for (const [status, r] of Object.entries(op.responses as JsonObject)) {
        const res = r as JsonObject;
        const first = res.content ? Object.entries(res.content as JsonObject)[0] : undefined;
        const schema = first ? ((first[1] as JsonObject).schema as JsonObject | undefined) : undefined;
        responses[status] = { contentType: first?.[0], schema: schema ? (schemaOnly(schema) as JsonObject) : undefined };
      }
      const security = (op.security as Json[] | undefined) ?? globalSecurity;
      operations.push({
        operationId: op.operationId as string,
        method,
        path: p,
        route: p.replace(/\{([^}]+)\}/g, ':$1'),
        secured: security.length > 0 && !optionalAuth(security),
        optionalAuth: optionalAuth(security),
        roles: op['x-roles'] as string[] | undefined,
        scopes: op['x-scopes'] as string[] | undefined,
        parameters: params,
        requestBody: bodyContent
          ? {
              required: body?.required === true,
              contentType: bodyContent[0],
              contentTypes: Object.keys(body!.content as JsonObject),
              schema: schemaOnly((bodyContent[1] as JsonObject).schema as JsonObject) as JsonObject,
            }
          : undefined,
        responses,
      });
    }
  }
  return { document, operations };
}

/** Security requirements that include the empty one (anonymous) beside a scheme: auth is optional. */
function optionalAuth(security: Json[]): boolean {
  const empty = (r: Json) => typeof r === 'object' && r !== null && Object.keys(r).length === 0;
  return security.some(empty) && security.some((r) => !empty(r));
}
