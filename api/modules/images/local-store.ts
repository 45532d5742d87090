import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ImageMediaType } from '../../plugins/raw-bodies.ts';
import { extensionOf } from './sniff.ts';
import type { ImageStore, StoredImage } from './store.ts';

const byExtension: Record<string, ImageMediaType> = { png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp' };
/** The only names this store hands out and reads back: no path can be smuggled in. */
const keyPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.(png|jpg|webp)$/;

/** The embedded default: files in a folder (DATA_DIR/images), served by GET /api/images/{key}. */
export class LocalImageStore implements ImageStore {
  readonly kind = 'local' as const;

  constructor(
    private readonly dir: string,
    private readonly publicUrl: string,
  ) {}

  async put(image: { data: Buffer; contentType: ImageMediaType }): Promise<StoredImage> {
    await fs.mkdir(this.dir, { recursive: true });
    const key = `${randomUUID()}.${extensionOf[image.contentType]}`;
    // Written beside and renamed: a reader never sees half a file.
    const partial = path.join(this.dir, `.${key}.partial`);
    await fs.writeFile(partial, image.data);
    await fs.rename(partial, path.join(this.dir, key));
    return { key, url: `${this.publicUrl}/api/images/${key}`, contentType: image.contentType, bytes: image.data.length };
  }

  async read(key: string): Promise<{ data: Buffer; contentType: ImageMediaType } | undefined> {
    const m = keyPattern.exec(key);
    if (!m) return undefined;
    try {
      return { data: await fs.readFile(path.join(this.dir, key)), contentType: byExtension[m[1]!]! };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }
}
