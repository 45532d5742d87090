import type { AppContext } from '../../context.ts';
import type { SomeHandlers } from '../../openapi/contract.ts';
import { currentUser } from '../../plugins/auth.ts';
import * as catalog from './service.ts';

export function catalogHandlers(ctx: AppContext) {
  return {
    listProducts: async (req) => catalog.listProducts(ctx.db, req.query, currentUser(req).role === 'admin'),
    getProduct: async (req) => catalog.getProduct(ctx.db, req.params.id),
    createProduct: async (req, reply) => reply.code(201).send(await catalog.createProduct(ctx.db, req.body)),
    updateProduct: async (req) => catalog.updateProduct(ctx.db, req.params.id, req.body),
    listPickupPoints: async () => catalog.listPickupPoints(ctx.db),
    createPickupPoint: async (req, reply) =>
      reply.code(201).send(await catalog.createPickupPoint(ctx.db, req.body)),
  } satisfies SomeHandlers;
}
