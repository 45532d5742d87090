import type { AppContext } from '../../context.ts';
import type { Handlers } from '../../openapi/bind.ts';
import { currentUser } from '../../plugins/auth.ts';
import * as catalog from './service.ts';

export function catalogHandlers(ctx: AppContext): Handlers {
  return {
    listProducts: async (req) => catalog.listProducts(ctx.db, req.query as catalog.ProductQuery, currentUser(req).role === 'admin'),
    getProduct: async (req) => catalog.getProduct(ctx.db, (req.params as { id: string }).id),
    createProduct: async (req, reply) => reply.code(201).send(await catalog.createProduct(ctx.db, req.body as catalog.ProductInput)),
    updateProduct: async (req) => catalog.updateProduct(ctx.db, (req.params as { id: string }).id, req.body as Partial<catalog.ProductInput>),
    listPickupPoints: async () => catalog.listPickupPoints(ctx.db),
    createPickupPoint: async (req, reply) =>
      reply.code(201).send(await catalog.createPickupPoint(ctx.db, req.body as Parameters<typeof catalog.createPickupPoint>[1])),
  };
}
