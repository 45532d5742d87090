import type { AppContext } from '../../context.ts';
import { badRequest } from '../../errors.ts';

/**
 * The image a message attaches, looked up in the image store (api/modules/images, owned by the
 * catalog). Until that store is on main there is nothing to look an id up in, so an image is
 * refused as a field error rather than stored unchecked.
 */
export async function attachedImage(_ctx: AppContext, _imageId: string): Promise<{ id: string; url: string }> {
  throw badRequest('body.imageId', 'images are not available yet: the image store is not configured');
}
