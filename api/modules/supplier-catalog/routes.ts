import type { AppContext } from '../../context.ts';
import type { SomeHandlers } from '../../openapi/contract.ts';
import { organisationOf } from '../suppliers/membership.ts';
import * as catalog from './products.ts';

/** The organisation's own catalog (/api/supplier/products*): every handler starts from organisationOf. */
export function supplierCatalogHandlers(ctx: AppContext) {
  return {
    listSupplierProducts: async (req) => catalog.listOwnProducts(ctx.db, await organisationOf(ctx, req), req.query),
    getSupplierProduct: async (req) => catalog.getOwnProduct(ctx.db, await organisationOf(ctx, req), req.params.id),
    createSupplierProduct: async (req, reply) =>
      reply.code(201).send(await catalog.createOwnProduct(ctx, await organisationOf(ctx, req), req.body)),
    updateSupplierProduct: async (req) => catalog.updateOwnProduct(ctx, await organisationOf(ctx, req), req.params.id, req.body),
  } satisfies SomeHandlers;
}
