import type { FastifyReply } from 'fastify';
import type { AppContext } from '../../context.ts';
import { notFound } from '../../errors.ts';
import type { SomeHandlers } from '../../openapi/contract.ts';
import { imageStore } from './store.ts';

function sendImage(reply: FastifyReply, image: { data: Buffer; contentType: string }) {
  return reply
    .header('content-type', image.contentType)
    .header('cache-control', 'public, max-age=31536000, immutable')
    // Partner frontends on other sites show product images in <img> tags.
    .header('cross-origin-resource-policy', 'cross-origin')
    .send(image.data);
}

/** GET /api/images/{key}: the local store's images, public and cached (names are random UUIDs). */
export function imageHandlers(ctx: AppContext) {
  return {
    getImage: async (req, reply) => {
      const image = await imageStore(ctx.config).read(req.params.key);
      if (!image) throw notFound(`Image ${req.params.key}`);
      return sendImage(reply, image);
    },
  } satisfies SomeHandlers;
}
