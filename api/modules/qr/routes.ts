import type { FastifyReply } from 'fastify';
import type { AppContext } from '../../context.ts';
import type { SomeHandlers } from '../../openapi/contract.ts';
import { currentUser } from '../../plugins/auth.ts';
import { idempotent } from '../idempotency/idempotency.ts';
import * as qr from './service.ts';
import * as staffPoints from './staff-points.ts';

function sendImage(reply: FastifyReply, image: qr.PassImage) {
  // The code is a bearer credential for the goods: keep it out of shared caches and history.
  return reply.header('content-type', image.contentType).header('cache-control', 'private, no-store').send(image.body);
}

/** Pickup passes: roles come from the spec's x-roles; the holder check for images is in the service. */
export function qrHandlers(ctx: AppContext) {
  return {
    listMyPasses: async (req) => qr.listMyPasses(ctx, currentUser(req).id),
    getPassPng: async (req, reply) => sendImage(reply, await qr.passImage(ctx, currentUser(req), req.params.id, 'png')),
    getPassSvg: async (req, reply) => sendImage(reply, await qr.passImage(ctx, currentUser(req), req.params.id, 'svg')),
    scanPass: async (req) => qr.scanPass(ctx, currentUser(req), req.params.token),
    // A scanner retrying with the same Idempotency-Key (flaky market network) gets its 200 back,
    // not a 409 for its own redemption.
    redeemPass: async (req, reply) =>
      idempotent(ctx, req, reply, 'redeemPass', async () => ({
        status: 200,
        body: await qr.redeemPass(
          ctx,
          currentUser(req),
          req.params.qrId,
          req.body.pickupPointId,
        ),
      })),
    getStaffPickupPoints: async (req) => staffPoints.getStaffPickupPoints(ctx.db, req.params.id),
    setStaffPickupPoints: async (req) => staffPoints.setStaffPickupPoints(ctx.db, req.params.id, req.body.pickupPointIds),
    reissuePass: async (req, reply) => {
      const pass = await qr.reissuePass(ctx, req.params.id);
      return reply.code(201).send(pass);
    },
  } satisfies SomeHandlers;
}
