import type { AppContext } from '../../context.ts';
import type { SomeHandlers } from '../../openapi/contract.ts';
import { organisationOf } from '../suppliers/membership.ts';
import { badRequest } from '../../errors.ts';
import { bytesBody, imageMediaTypes, streamBody, type ImageMediaType } from '../../plugins/raw-bodies.ts';
import { importProducts } from './csv-import.ts';
import * as catalog from './products.ts';

/** The organisation's own catalog (/api/supplier/products*): every handler starts from organisationOf. */
export function supplierCatalogHandlers(ctx: AppContext) {
  return {
    listSupplierProducts: async (req) => catalog.listOwnProducts(ctx.db, await organisationOf(ctx, req), req.query),
    getSupplierProduct: async (req) => catalog.getOwnProduct(ctx.db, await organisationOf(ctx, req), req.params.id),
    createSupplierProduct: async (req, reply) =>
      reply.code(201).send(await catalog.createOwnProduct(ctx, await organisationOf(ctx, req), req.body)),
    updateSupplierProduct: async (req) => catalog.updateOwnProduct(ctx, await organisationOf(ctx, req), req.params.id, req.body),
    importSupplierProducts: async (req) => {
      const actor = await organisationOf(ctx, req);
      const body = streamBody(req.body);
      if (!body) throw badRequest('body', 'send the CSV file as the body (content-type text/csv)');
      return importProducts(ctx, actor, body);
    },
    uploadSupplierProductImage: async (req, reply) => {
      const actor = await organisationOf(ctx, req);
      const data = bytesBody(req.body);
      if (!data) throw badRequest('body', 'send the image itself as the body (image/png, image/jpeg or image/webp)');
      // bind.ts has already refused any other media type.
      const declared = req.headers['content-type']!.split(';')[0]!.trim().toLowerCase() as ImageMediaType;
      if (!imageMediaTypes.includes(declared)) throw badRequest('headers.content-type', 'must be image/png, image/jpeg or image/webp');
      return reply.code(201).send(await catalog.addOwnProductImage(ctx, actor, req.params.id, data, declared));
    },
  } satisfies SomeHandlers;
}
