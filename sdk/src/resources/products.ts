import type { Transport } from '../client.ts';
import { paginate } from '../paginate.ts';
import type { Product, ProductCreate, ProductListQuery, ProductPage, ProductUpdate } from '../types.ts';

/** The catalog. Anyone signed in may search it; creating and changing products is for admins. */
export class ProductsResource {
  constructor(private readonly t: Transport) {}

  /** One page of active products (admins see inactive ones too), searched with `q` and filtered. */
  list(query: ProductListQuery = {}): Promise<ProductPage> {
    return this.t.call('get', '/api/products', { query });
  }

  /** Every matching product, fetching pages of `limit` as the loop goes. */
  iterate(query: ProductListQuery = {}): AsyncIterable<Product> {
    const { cursor, ...rest } = query;
    return paginate((next) => this.list({ ...rest, cursor: next }), cursor);
  }

  get(id: string): Promise<Product> {
    return this.t.call('get', '/api/products/{id}', { path: { id } });
  }

  /** Adds a product of an existing supplier (admin). Prices are integer minor units (cents). */
  create(body: ProductCreate): Promise<Product> {
    return this.t.call('post', '/api/products', { body });
  }

  /** Changes some fields of a product (admin); `active: false` takes it out of the catalog. */
  update(id: string, change: ProductUpdate): Promise<Product> {
    return this.t.call('patch', '/api/products/{id}', { path: { id }, body: change });
  }
}
