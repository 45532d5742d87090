import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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
  roles: string[] | undefined;
  /** Parameters and schemas with every $ref resolved, ready for Ajv and fast-json-stringify. */
  parameters: Parameter[];
  requestBody: { required: boolean; contentType: string; schema: JsonObject } | undefined;
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
  cached ??= parseSpec(YAML.parse(fs.readFileSync(specPath, 'utf8')) as JsonObject);
  return cached;
}

function parseSpec(document: JsonObject): Spec {
  const resolve = (node: Json, seen: string[] = []): Json => {
    if (Array.isArray(node)) return node.map((n) => resolve(n, seen));
    if (node === null || typeof node !== 'object') return node;
    if (typeof node.$ref === 'string') {
      const ref = node.$ref;
      if (seen.includes(ref)) throw new Error(`circular $ref ${ref} in openapi.yaml`);
      return resolve(pointer(document, ref), [...seen, ref]);
    }
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(node)) {
      // OpenAPI annotations that are not JSON Schema keywords stay out of the validators.
      if (k.startsWith('x-') || k === 'example' || k === 'examples' || k === 'discriminator') continue;
      out[k] = resolve(v, seen);
    }
    return out;
  };

  const globalSecurity = (document.security as Json[] | undefined) ?? [];
  const operations: Operation[] = [];
  for (const [p, item] of Object.entries(document.paths as JsonObject)) {
    const pathItem = item as JsonObject;
    const shared = (pathItem.parameters as Json[] | undefined) ?? [];
    for (const method of httpMethods) {
      const op = pathItem[method] as JsonObject | undefined;
      if (!op) continue;
      const params = [...shared, ...((op.parameters as Json[] | undefined) ?? [])].map((raw) => {
        const prm = resolve(raw) as JsonObject;
        return {
          name: prm.name as string,
          in: prm.in as Parameter['in'],
          required: prm.required === true,
          schema: (prm.schema as JsonObject) ?? {},
        };
      });
      const body = op.requestBody ? (resolve(op.requestBody) as JsonObject) : undefined;
      const bodyContent = body ? Object.entries(body.content as JsonObject)[0] : undefined;
      const responses: Operation['responses'] = {};
      for (const [status, r] of Object.entries(op.responses as JsonObject)) {
        const res = resolve(r) as JsonObject;
        const first = res.content ? Object.entries(res.content as JsonObject)[0] : undefined;
        responses[status] = {
          contentType: first?.[0],
          schema: first ? ((first[1] as JsonObject).schema as JsonObject | undefined) : undefined,
        };
      }
      const security = (op.security as Json[] | undefined) ?? globalSecurity;
      operations.push({
        operationId: op.operationId as string,
        method,
        path: p,
        route: p.replace(/\{([^}]+)\}/g, ':$1'),
        secured: security.length > 0,
        roles: op['x-roles'] as string[] | undefined,
        parameters: params,
        requestBody: bodyContent
          ? {
              required: body?.required === true,
              contentType: bodyContent[0],
              schema: (bodyContent[1] as JsonObject).schema as JsonObject,
            }
          : undefined,
        responses,
      });
    }
  }
  return { document, operations };
}

function pointer(document: JsonObject, ref: string): Json {
  if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported, got ${ref}`);
  let node: Json = document;
  for (const part of ref.slice(2).split('/')) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || Array.isArray(node) || !(key in node)) {
      throw new Error(`unresolvable $ref ${ref} in openapi.yaml`);
    }
    node = node[key] as Json;
  }
  return node;
}
