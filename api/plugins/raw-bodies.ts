import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';

// Bodies that are not JSON: a CSV file for the catalog import, streamed to its handler so csv-parse
// reads it as it arrives (the handler counts its bytes), and an image's bytes, whole, with the
// configured size limit (a 413 past it). The schema validators do not read these (bind.ts); their
// handlers check them.

export const imageMediaTypes = ['image/png', 'image/jpeg', 'image/webp'] as const;
export type ImageMediaType = (typeof imageMediaTypes)[number];

export function registerRawBodies(app: FastifyInstance, limits: { imageBytes: number }): void {
  app.addContentTypeParser('text/csv', (_request, payload, done) => done(null, payload));
  app.addContentTypeParser([...imageMediaTypes], { parseAs: 'buffer', bodyLimit: limits.imageBytes }, (_request, body, done) => done(null, body));
}

/** The request body as the stream raw-bodies gave the handler (undefined when there was none). */
export function streamBody(body: unknown): Readable | undefined {
  return body && typeof body === 'object' && typeof (body as Readable).pipe === 'function' ? (body as Readable) : undefined;
}

/** The request body as the bytes raw-bodies read (undefined when there were none). */
export function bytesBody(body: unknown): Buffer | undefined {
  return Buffer.isBuffer(body) && body.length > 0 ? body : undefined;
}
