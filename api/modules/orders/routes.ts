import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import type { SomeHandlers } from '../../openapi/contract.ts';
import { currentUser } from '../../plugins/auth.ts';
import { idempotent } from '../idempotency/idempotency.ts';
import { organisationOf } from '../suppliers/membership.ts';
import { qualityCheck } from './quality.ts';
import * as quotes from './quotes.ts';
import * as orders from './service.ts';

/**
 * The supplier's own orders and quotes (/api/supplier/orders*, /api/supplier/quotes*: every
 * handler starts from organisationOf and acts only on that organisation's rows) and the admin's.
 * The supplier's moves take an Idempotency-Key, so a script retrying a move changes nothing twice.
 */
export function orderHandlers(ctx: AppContext) {
  const move = (req: FastifyRequest, reply: FastifyReply, operation: string, id: string, m: orders.SupplierMove, input: Parameters<typeof orders.supplierMove>[4] = {}) =>
    idempotent(ctx, req, reply, operation, async () => ({
      status: 200,
      body: await orders.supplierMove(ctx, await organisationOf(ctx, req), id, m, input),
    }));
  return {
    listSupplierOrders: async (req) => orders.listOrders(ctx.db, { ...req.query, supplierId: (await organisationOf(ctx, req)).organisation.id }),
    getSupplierOrder: async (req) => orders.getOrder(ctx.db, req.params.id, (await organisationOf(ctx, req)).organisation.id),
    acceptSupplierOrder: async (req, reply) => move(req, reply, 'acceptSupplierOrder', req.params.id, 'accept'),
    rejectSupplierOrder: async (req, reply) => move(req, reply, 'rejectSupplierOrder', req.params.id, 'reject', req.body),
    prepareSupplierOrder: async (req, reply) => move(req, reply, 'prepareSupplierOrder', req.params.id, 'prepare'),
    shipSupplierOrder: async (req, reply) => move(req, reply, 'shipSupplierOrder', req.params.id, 'ship', req.body),
    deliverSupplierOrder: async (req, reply) => move(req, reply, 'deliverSupplierOrder', req.params.id, 'deliver'),
    listSupplierQuoteRequests: async (req) => quotes.listSupplierQuoteRequests(ctx.db, await organisationOf(ctx, req), req.query.status),
    submitSupplierQuote: async (req, reply) => reply.code(201).send(await quotes.submitQuote(ctx, await organisationOf(ctx, req), req.body)),
    listOrders: async (req) => orders.listOrders(ctx.db, req.query),
    getOrder: async (req) => orders.getOrder(ctx.db, req.params.id),
    qualityCheckOrder: async (req) => qualityCheck(ctx, currentUser(req).id, req.params.id, req.body, req.log),
    routeGroupOrder: async (req, reply) => reply.code(201).send(await orders.routeGroupOrder(ctx, req.params.id, req.body.supplierId)),
    requestQuotes: async (req, reply) => reply.code(201).send(await quotes.requestQuotes(ctx, currentUser(req).id, req.params.id, req.body)),
    listGroupQuotes: async (req) => quotes.groupQuotes(ctx.db, req.params.id),
    acceptQuote: async (req) => quotes.acceptQuote(ctx, req.params.id),
    acceptBestQuote: async (req) => quotes.acceptBestQuote(ctx, req.params.id),
  } satisfies SomeHandlers;
}
