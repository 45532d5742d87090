import type { WebsocketHandler } from '@fastify/websocket';
import type { FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { components, operations } from '../../sdk/src/schema.d.ts';

// The types of every handler, derived from what openapi-typescript generates from openapi.yaml
// (`npm run generate`): a handler that reads a field the spec does not declare, or answers with a
// body the spec does not describe, fails `npm run typecheck`. Nothing here is written by hand.

export type OperationId = keyof operations;
export type Schemas = components['schemas'];
type Op<K extends OperationId> = operations[K];
/** `never` (a part the operation does not have) as an empty object, so reading it is an error. */
type OrEmpty<T> = [T] extends [never] ? Record<string, never> : T;
type ContentOf<R> = R extends { content: infer C } ? C[keyof C] : undefined;

type RawBody<K extends OperationId> = ContentOf<NonNullable<Op<K>['requestBody']>>;
export type Params<K extends OperationId> = OrEmpty<NonNullable<Op<K>['parameters']['path']>>;
type RawQuery<K extends OperationId> = OrEmpty<NonNullable<Op<K>['parameters']['query']>>;

/**
 * Query parameters and (top-level) body fields the spec gives a default, so they are always there
 * once validated (Ajv fills them in). The generated types mark them optional (a client may leave them
 * out) and do not carry defaults, so they are named here; test/api/contract.test.ts holds these lists
 * equal to openapi.yaml's.
 */
export const specDefaults = {
  query: {
    listUsers: ['limit'],
    listProducts: ['limit'],
    listGroups: ['sort', 'limit'],
    listMyContributions: ['limit'],
    listPayments: ['limit'],
    listInbox: ['limit'],
    listNotifications: ['limit'],
    listSuppliers: ['limit'],
    listSupplierProducts: ['limit'],
    listSupplierInvoices: ['limit'],
    listSupplierOrders: ['limit'],
    listOrders: ['limit'],
    listChatMessages: ['limit'],
    listChatReports: ['status', 'limit'],
    getDashboardActivity: ['hours'],
    listSupplierPayouts: ['limit'],
    listAdminPayouts: ['limit'],
    listSupplierWebhookDeliveries: ['limit'],
    listPlatformWebhookDeliveries: ['limit'],
    listAlerts: ['limit'],
    getRecommendations: ['limit'],
    previewRecommendations: ['limit'],
  } satisfies { [K in OperationId]?: readonly (keyof RawQuery<K>)[] },
  body: {
    createProduct: ['currency'],
    createGroup: ['minPerTrader', 'status'],
    initializePayment: ['paymentMethod'],
    trainModel: ['activate'],
    evaluateModel: ['k'],
    createSupplierWebhook: ['enabled'],
    createPlatformWebhook: ['enabled'],
  } satisfies { [K in OperationId]?: readonly (keyof RawBody<K>)[] },
} as const;
type Defaulted<Part extends keyof typeof specDefaults, K extends OperationId> = K extends keyof (typeof specDefaults)[Part]
  ? (typeof specDefaults)[Part][K] extends readonly (infer N)[] ? N : never
  : never;

/** The query after validation: parameters with a default in the spec are filled in. */
export type Query<K extends OperationId> = Filled<RawQuery<K>, Defaulted<'query', K> & keyof RawQuery<K>>;
/**
 * The request body after validation, defaults filled in. An optional body the client left out
 * arrives as `{}` (bind.ts).
 */
export type Body<K extends OperationId> = Filled<RawBody<K>, Defaulted<'body', K> & keyof RawBody<K>>;
/** The response bodies by status code, as Fastify's `Reply` route generic wants them. */
export type Replies<K extends OperationId> = { [S in keyof Op<K>['responses']]: ContentOf<Op<K>['responses'][S]> };
/** The body of one response. */
export type Reply<K extends OperationId, S extends keyof Op<K>['responses'] = 200 & keyof Op<K>['responses']> = Replies<K>[S];

/** Header parameters the spec declares, beside the ones every request has (lower-cased by Node). */
export type Headers<K extends OperationId> = [NonNullable<Op<K>['parameters']['header']>] extends [never]
  ? unknown
  : NonNullable<Op<K>['parameters']['header']>;

export interface RouteTypes<K extends OperationId> {
  Body: Body<K>;
  Params: Params<K>;
  Querystring: Query<K>;
  Headers: Headers<K>;
  Reply: Replies<K>;
}
export type OperationRequest<K extends OperationId> = FastifyRequest<RouteTypes<K>>;
export type OperationReply<K extends OperationId> = FastifyReply<RouteTypes<K>>;

/**
 * A handler answers either by returning the 200 body, or through `reply.code(s).send(body)`, where
 * Fastify checks the body against the spec's response for status s.
 */
export type Handler<K extends OperationId> = (
  request: OperationRequest<K>,
  reply: OperationReply<K>,
) => Promise<Reply<K> | OperationReply<K>>;

/** A handler plus route options of its own (extra preHandlers such as rate limits). */
export interface Binding<K extends OperationId> {
  handler: Handler<K>;
  /** wsHandler: a WebSocket operation (GET /api/ws); `handler` then answers a plain GET. */
  options?: Pick<RouteShorthandOptions, 'preHandler' | 'bodyLimit'> & { wsHandler?: WebsocketHandler };
}

/** One handler per operation in the spec: a missing or an extra one does not compile. */
export type Handlers = { [K in OperationId]: Handler<K> | Binding<K> };
/** What a module contributes: handlers for some operations, each typed by its operationId. */
export type SomeHandlers = Partial<Handlers>;

/**
 * A query after validation: parameters the spec gives a default are always present. The generated
 * types mark them optional (a client may leave them out), so the handler side names them here.
 */
export type Filled<T, K extends keyof T> = T & { [P in K]-?: NonNullable<T[P]> };
