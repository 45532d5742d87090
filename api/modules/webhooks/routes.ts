import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import type { SomeHandlers } from '../../openapi/contract.ts';
import { assertOwner, organisationOf } from '../suppliers/membership.ts';
import { listDeliveries, replayDelivery, sendTestEvent } from './delivery.ts';
import { createEndpoint, deleteEndpoint, endpointView, listEndpoints, ownEndpoint, rotateSecret, updateEndpoint, type EndpointOwner } from './endpoints.ts';

/**
 * Webhook endpoints of an organisation (its owners: members handle orders, owners decide where the
 * organisation's data goes) and of the platform (admins). The same operations for both.
 */
export function webhookHandlers(ctx: AppContext) {
  const org = async (req: FastifyRequest): Promise<EndpointOwner> => {
    const actor = await organisationOf(ctx, req);
    assertOwner(actor);
    return { supplierId: actor.organisation.id };
  };
  const platform = async (): Promise<EndpointOwner> => ({ platform: true });
  const handlers = (ownerOf: (req: FastifyRequest) => Promise<EndpointOwner>) => ({
    create: async (req: FastifyRequest<{ Body: Parameters<typeof createEndpoint>[2] }>) => createEndpoint(ctx, await ownerOf(req), req.body),
    list: async (req: FastifyRequest) => listEndpoints(ctx.db, await ownerOf(req)),
    get: async (req: FastifyRequest<{ Params: { id: string } }>) => endpointView(await ownEndpoint(ctx.db, await ownerOf(req), req.params.id)),
    update: async (req: FastifyRequest<{ Params: { id: string }; Body: Parameters<typeof updateEndpoint>[3] }>) => updateEndpoint(ctx, await ownerOf(req), req.params.id, req.body),
    remove: async (req: FastifyRequest<{ Params: { id: string } }>) => deleteEndpoint(ctx.db, await ownerOf(req), req.params.id),
    rotate: async (req: FastifyRequest<{ Params: { id: string } }>) => rotateSecret(ctx, await ownerOf(req), req.params.id),
    test: async (req: FastifyRequest<{ Params: { id: string } }>) => sendTestEvent(ctx.db, await ownerOf(req), req.params.id),
    deliveries: async (req: FastifyRequest<{ Params: { id: string } }>, query: Parameters<typeof listDeliveries>[3]) =>
      listDeliveries(ctx.db, await ownerOf(req), req.params.id, query),
    replay: async (req: FastifyRequest<{ Params: { id: string } }>) => replayDelivery(ctx.db, await ownerOf(req), req.params.id),
  });
  const s = handlers(org);
  const p = handlers(platform);
  return {
    createSupplierWebhook: async (req, reply) => reply.code(201).send(await s.create(req)),
    listSupplierWebhooks: (req) => s.list(req),
    getSupplierWebhook: (req) => s.get(req),
    updateSupplierWebhook: (req) => s.update(req),
    deleteSupplierWebhook: async (req, reply) => (await s.remove(req), reply.code(204).send()),
    rotateSupplierWebhookSecret: (req) => s.rotate(req),
    testSupplierWebhook: async (req, reply) => reply.code(202).send(await s.test(req)),
    listSupplierWebhookDeliveries: (req) => s.deliveries(req, req.query),
    replaySupplierWebhookDelivery: async (req, reply) => reply.code(202).send(await s.replay(req)),
    createPlatformWebhook: async (req, reply) => reply.code(201).send(await p.create(req)),
    listPlatformWebhooks: (req) => p.list(req),
    getPlatformWebhook: (req) => p.get(req),
    updatePlatformWebhook: (req) => p.update(req),
    deletePlatformWebhook: async (req, reply) => (await p.remove(req), reply.code(204).send()),
    rotatePlatformWebhookSecret: (req) => p.rotate(req),
    testPlatformWebhook: async (req, reply) => reply.code(202).send(await p.test(req)),
    listPlatformWebhookDeliveries: (req) => p.deliveries(req, req.query),
    replayPlatformWebhookDelivery: async (req, reply) => reply.code(202).send(await p.replay(req)),
  } satisfies SomeHandlers;
}
