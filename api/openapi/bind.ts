import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { WebsocketHandler } from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest, RouteHandlerMethod, RouteShorthandOptions } from 'fastify';
import { HttpProblem } from '../errors.ts';
import type { Handlers } from './contract.ts';
import type { JsonObject, Operation, Parameter } from './spec.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/** A handler as Fastify sees it, once its types (from contract.ts) have done their work. */
interface AnyBinding {
  handler: RouteHandlerMethod;
  /** wsHandler: the operation is a WebSocket (@fastify/websocket); `handler` answers a plain GET. */
  options?: Pick<RouteShorthandOptions, 'preHandler' | 'bodyLimit'> & { wsHandler?: WebsocketHandler };
}

/** What the auth hook needs to know about the route it guards. */
export interface RouteContract {
  operationId: string;
  secured: boolean;
  /** Anyone may call it; a bearer token sent along is checked as on a secured route. */
  optionalAuth: boolean;
  roles: string[] | undefined;
  /** The API-key scopes it needs (`x-scopes`); undefined: API keys may not call it. */
  scopes: string[] | undefined;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    contract?: RouteContract;
  }
}

// The spec is OpenAPI 3.1, whose schemas are JSON Schema 2020-12: Ajv's 2020 dialect, in strict
// mode, so a keyword Ajv does not know (a typo, an OpenAPI 3.0 leftover such as `nullable`) fails at
// start instead of being ignored. Union types (`type: [string, 'null']`) are how 3.1 spells nullable.
// Bodies are validated strictly: "5" is not a number. Query strings, paths and headers arrive as
// text, so those are coerced.
function makeAjv(coerceTypes: boolean | 'array'): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, coerceTypes, useDefaults: true, removeAdditional: false });
  addFormats(ajv);
  return ajv;
}

/**
 * Each operation takes the body media type its spec lists, and no other: the form parser is
 * registered for the sandbox checkout, and without this any JSON operation would take a form too.
 */
function mediaTypeGuard(op: Operation) {
  const expected = op.requestBody?.contentTypes ?? [];
  return (request: FastifyRequest) => {
    const sent = request.headers['content-type']?.split(';')[0]!.trim().toLowerCase();
    if (expected.length && sent && request.body !== undefined && !expected.includes(sent)) {
      throw new HttpProblem(415, 'unsupported-media-type', 'Unsupported media type', `Send ${expected.join(' or ')}`);
    }
  };
}

/**
 * Bodies the schema validators can read: JSON and forms. Raw bodies (a CSV file streamed to its
 * handler, an image's bytes; api/plugins/raw-bodies.ts) are checked by their handler instead.
 */
const structured = (contentType: string) => contentType === 'application/json' || contentType === 'application/x-www-form-urlencoded';

/**
 * Registers one Fastify route per operation in the spec. Fails (at start, and so in a test) when an
 * operation has no handler or a handler has no operation: the spec and the server cannot drift.
 */
export function bindOperations(app: FastifyInstance, operations: Operation[], handlers: Handlers | Record<string, unknown>): void {
  const missing = operations.filter((op) => !(op.operationId in handlers)).map((op) => op.operationId);
  const known = new Set(operations.map((op) => op.operationId));
  const extra = Object.keys(handlers).filter((id) => !known.has(id));
  if (missing.length || extra.length) {
    throw new Error(
      [
        missing.length ? `operations in openapi.yaml without a handler: ${missing.join(', ')}` : '',
        extra.length ? `handlers for operations not in openapi.yaml: ${extra.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; '),
    );
  }

  const bodyAjv = makeAjv(false);
  const textAjv = makeAjv('array');
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? bodyAjv : textAjv).compile(schema as object),
  );

  for (const op of operations) {
    const entry = (handlers as Record<string, unknown>)[op.operationId] as RouteHandlerMethod | AnyBinding;
    const binding: AnyBinding = typeof entry === 'function' ? { handler: entry } : entry;
    const guardMediaType = mediaTypeGuard(op);
    app.route({
      method: op.method.toUpperCase() as 'GET',
      url: op.route,
      schema: routeSchema(op),
      config: { contract: { operationId: op.operationId, secured: op.secured, optionalAuth: op.optionalAuth, roles: op.roles, scopes: op.scopes } },
      preValidation: async (request: FastifyRequest) => {
        guardMediaType(request);
        // An optional body that was left out is validated as an empty object, not as "missing".
        if (op.requestBody && !op.requestBody.required) request.body ??= {};
      },
      ...(binding.options as Pick<RouteShorthandOptions, 'preHandler' | 'bodyLimit'>),
      handler: binding.handler,
    });
  }
}

function objectOf(params: Parameter[]): JsonObject | undefined {
  if (params.length === 0) return undefined;
  return {
    type: 'object',
    properties: Object.fromEntries(params.map((p) => [p.name, p.schema])),
    required: params.filter((p) => p.required).map((p) => p.name),
  };
}

function routeSchema(op: Operation) {
  const response: Record<string, JsonObject> = {};
  for (const [status, r] of Object.entries(op.responses)) {
    // Success bodies are serialized from the spec (unknown fields never leak out). Error bodies
    // come from the one error handler, already shaped as problem+json.
    if (status.startsWith('2') && r.schema && r.contentType === 'application/json') response[status] = r.schema;
  }
  // Node lower-cases incoming header names.
  const headerParams = op.parameters.filter((p) => p.in === 'header').map((p) => ({ ...p, name: p.name.toLowerCase() }));
  const parts = {
    params: objectOf(op.parameters.filter((p) => p.in === 'path')),
    querystring: objectOf(op.parameters.filter((p) => p.in === 'query')),
    headers: objectOf(headerParams),
    body: op.requestBody && structured(op.requestBody.contentType) ? op.requestBody.schema : undefined,
  };
  // Parts the operation does not have are left out, not set to undefined.
  return { ...Object.fromEntries(Object.entries(parts).filter(([, v]) => v !== undefined)), response };
}
