import { createHash, randomUUID } from 'node:crypto';
import type { Config } from '../../config.ts';
import { HttpProblem } from '../../errors.ts';
import type { ImageMediaType } from '../../plugins/raw-bodies.ts';
import type { ImageStore, StoredImage } from './store.ts';

type CloudinaryConfig = NonNullable<Config['images']['cloudinary']>;

/**
 * Cloudinary's signed upload API: POST {api}/v1_1/{cloud}/image/upload with api_key, timestamp and
 * a signature, the SHA-1 of the other parameters sorted by name (`folder=…&public_id=…&timestamp=…`)
 * followed by the API secret. The file travels as a data URI in a form body.
 */
export function cloudinarySignature(params: Record<string, string>, apiSecret: string): string {
  const toSign = Object.keys(params)
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  return createHash('sha1').update(toSign + apiSecret).digest('hex');
}

/** Images uploaded to Cloudinary and served from its CDN (IMAGE_STORE=cloudinary). */
export class CloudinaryImageStore implements ImageStore {
  readonly kind = 'cloudinary' as const;

  constructor(private readonly config: CloudinaryConfig) {}

  async put(image: { data: Buffer; contentType: ImageMediaType }): Promise<StoredImage> {
    const params = { folder: this.config.folder, public_id: randomUUID(), timestamp: String(Math.floor(Date.now() / 1000)) };
    const form = new URLSearchParams({
      ...params,
      api_key: this.config.apiKey,
      signature: cloudinarySignature(params, this.config.apiSecret),
      file: `data:${image.contentType};base64,${image.data.toString('base64')}`,
    });
    const unavailable = (why: string) => new HttpProblem(502, 'bad-gateway', 'Bad gateway', `The image store (Cloudinary) ${why}; try again`);
    let res: Response;
    try {
      res = await fetch(`${this.config.apiUrl}/v1_1/${encodeURIComponent(this.config.cloudName)}/image/upload`, {
        method: 'POST',
        body: form,
        signal: AbortSignal.timeout(30_000),
      });
    } catch {
      throw unavailable('could not be reached');
    }
    const body = (await res.json().catch(() => ({}))) as { secure_url?: string; public_id?: string; bytes?: number; error?: { message?: string } };
    if (!res.ok || !body.secure_url || !body.public_id) throw unavailable(`refused the upload (${res.status}${body.error?.message ? `: ${body.error.message}` : ''})`);
    return { key: body.public_id, url: body.secure_url, contentType: image.contentType, bytes: body.bytes ?? image.data.length };
  }

  /** Cloudinary serves its images itself. */
  async read(): Promise<undefined> {
    return undefined;
  }
}
