// Compile-time checks, run by `npm run typecheck` (tsc): handlers are typed from openapi.yaml (via the
// generated sdk/src/schema.d.ts), so a handler that drifts from the spec does not compile. Each line
// marked as an expected error must stay one: if the types stopped catching the drift, tsc fails here.
import type { Handler, Handlers, SomeHandlers } from '../../api/openapi/contract.ts';
import type { Group } from '@connectsphere/sdk';

declare const group: Group;

export const fine = {
  getGroup: async (req) => ({ ...group, id: req.params.id }),
  createGroup: async (req, reply) => reply.code(201).send({ ...group, moq: req.body.moq }),
  listGroups: async (req) => ({ items: [group], nextCursor: req.query.cursor ?? null }),
  // The spec gives limit a default, so it is a number once validated.
  listMyContributions: async (req) => ({ items: [], nextCursor: String(req.query.limit satisfies number) }),
  logout: async (_req, reply) => reply.code(204).send(),
} satisfies SomeHandlers;

export const drifting = {
  // @ts-expect-error the path parameter of getGroup is id, not groupId
  getGroup: async (req) => ({ ...group, id: req.params.groupId }),
  // @ts-expect-error createGroup's body has no field "price"
  createGroup: async (req, reply) => reply.code(201).send({ ...group, moq: req.body.price }),
  // @ts-expect-error the 201 body of createGroup is a Group, not a list
  updateGroup: async (_req, reply) => reply.code(201).send({ items: [] }),
  // @ts-expect-error getUser answers a UserDetail: an object with only an id is drift
  getUser: async () => ({ id: 'x' }),
  // @ts-expect-error listProducts has no query parameter "page"
  listProducts: async (req) => ({ items: [], nextCursor: req.query.page }),
  // @ts-expect-error 299 is not one of refreshSession's responses
  refreshSession: async (_req, reply) => reply.code(299).send(),
} satisfies SomeHandlers;

// @ts-expect-error an operation that is not in openapi.yaml
export const extra = { sneakyRoute: async () => ({}) } satisfies SomeHandlers;

// @ts-expect-error every operation needs a handler: an empty set is not the whole API
export const incomplete: Handlers = {};

export const one: Handler<'getHealth'> = async () => ({ status: 'ok', uptimeSeconds: 1, version: '0.1.0' });
// @ts-expect-error Health.status is "ok", a number is drift
export const wrong: Handler<'getHealth'> = async () => ({ status: 1, uptimeSeconds: 1, version: '0.1.0' });
