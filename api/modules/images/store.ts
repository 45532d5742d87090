import type { Config } from '../../config.ts';
import type { ImageMediaType } from '../../plugins/raw-bodies.ts';
import { CloudinaryImageStore } from './cloudinary-store.ts';
import { LocalImageStore } from './local-store.ts';

// Where uploaded images live. Product images use it now; chat attachments will too, so the
// interface is only what any caller needs: keep these bytes, tell me their URL.

export interface StoredImage {
  /** The store's own name for it (a file name, a Cloudinary public id). */
  key: string;
  /** Where anyone may fetch it: what goes into a product's imageUrls. */
  url: string;
  contentType: ImageMediaType;
  bytes: number;
}

export interface ImageStore {
  readonly kind: Config['images']['store'];
  /** Keeps an image (already checked to be what `contentType` says) and returns where it is. */
  put(image: { data: Buffer; contentType: ImageMediaType }): Promise<StoredImage>;
  /** The bytes of an image this store serves itself through the API; undefined when it has none by that key. */
  read(key: string): Promise<{ data: Buffer; contentType: ImageMediaType } | undefined>;
}

const stores = new WeakMap<Config, ImageStore>();

/** The store the configuration names (IMAGE_STORE), one per configuration. */
export function imageStore(config: Config): ImageStore {
  let store = stores.get(config);
  if (!store) {
    store = config.images.store === 'cloudinary' ? new CloudinaryImageStore(config.images.cloudinary!) : new LocalImageStore(config.images.dir, config.publicUrl);
    stores.set(config, store);
  }
  return store;
}
