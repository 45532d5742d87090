import type { Transport } from '../client.ts';
import { ApiError } from '../errors.ts';
import { paginate } from '../paginate.ts';
import type {
  ImageType,
  Product,
  ProductImportProblem,
  ProductImportRowError,
  ProductImportSummary,
  ProductPage,
  SupplierProductCreate,
  SupplierProductListQuery,
  SupplierProductUpdate,
} from '../types.ts';

/**
 * The signed-in organisation's own catalog (`cs.supplier.catalog`): its products only, inactive
 * ones included. Prices are integer minor units (USD cents).
 */
export class SupplierCatalogResource {
  constructor(private readonly t: Transport) {}

  /** One page of the organisation's products, newest first. */
  list(query: SupplierProductListQuery = {}): Promise<ProductPage> {
    return this.t.call('get', '/api/supplier/products', { query });
  }

  /** Every matching product, fetching pages of `limit` as the loop goes. */
  iterate(query: SupplierProductListQuery = {}): AsyncIterable<Product> {
    const { cursor, ...rest } = query;
    return paginate((next) => this.list({ ...rest, cursor: next }), cursor);
  }

  get(id: string): Promise<Product> {
    return this.t.call('get', '/api/supplier/products/{id}', { path: { id } });
  }

  /** SKUs are unique across the platform: a taken one is an ApiError 409. */
  create(body: SupplierProductCreate): Promise<Product> {
    return this.t.call('post', '/api/supplier/products', { body });
  }

  /** Changes some fields; `active: false` takes the product out of the traders' catalog. */
  update(id: string, change: SupplierProductUpdate): Promise<Product> {
    return this.t.call('patch', '/api/supplier/products/{id}', { path: { id }, body: change });
  }

  /** Adds `delta` (negative to take away) to the stock as it stands on the server; 409 below zero. */
  adjustStock(id: string, delta: number): Promise<Product> {
    return this.update(id, { stockDelta: delta });
  }

  /**
   * Creates and updates products from a CSV file (see the README for its columns), all or nothing.
   * Wrong rows are an ApiError 422: read them with `importRejection(err)`. Not retried: send it
   * again yourself (an import that was applied, sent twice, updates the same products to the same values).
   */
  importCsv(csv: string | Uint8Array, options: { timeoutMs?: number } = {}): Promise<ProductImportSummary> {
    return this.t.request('POST', '/api/supplier/products/import', {
      rawBody: { contentType: 'text/csv', data: csv },
      // A large file takes the server a while to check and apply.
      timeoutMs: options.timeoutMs ?? 300_000,
    }) as Promise<ProductImportSummary>;
  }

  /** Uploads an image (PNG, JPEG or WebP bytes) and appends its URL to the product's `imageUrls`. */
  uploadImage(id: string, image: Uint8Array, contentType: ImageType): Promise<Product> {
    return this.t.request('POST', `/api/supplier/products/${encodeURIComponent(id)}/images`, {
      rawBody: { contentType, data: image },
    }) as Promise<Product>;
  }
}

/** The wrong rows of a refused CSV import (an ApiError 422 from `importCsv`), else undefined. */
export function importRejection(err: unknown): ProductImportRowError[] | undefined {
  if (!(err instanceof ApiError) || err.status !== 422) return undefined;
  const rows = (err.problem as Partial<ProductImportProblem>).rows;
  return Array.isArray(rows) ? rows : undefined;
}
