// Interactions as columns of typed arrays plus string tables. Half a million interaction objects
// take about 110 MB of heap and a worker would receive a copy of every id string and timestamp;
// as columns they take 25 bytes each. The API builds its training data this way straight from the
// database, so the interaction objects only ever exist inside the training worker.

import { toMillis } from './time.ts';
import type { Dataset, Interaction, InteractionKind } from './types.ts';

const KINDS: readonly InteractionKind[] = ['paid', 'join', 'click', 'view'];

export interface PackedInteractions {
  traderIds: string[];
  productIds: string[];
  trader: Int32Array;
  product: Int32Array;
  /** Position in KINDS; 255 for a kind this version does not know. */
  kind: Uint8Array;
  at: Float64Array;
  /** NaN when absent. */
  quantity: Float64Array;
}

/** A Dataset whose interactions are packed. */
export interface PackedDataset extends Omit<Dataset, 'interactions'> {
  interactions: PackedInteractions;
}

export const isPacked = (dataset: Dataset | PackedDataset): dataset is PackedDataset => !Array.isArray(dataset.interactions);

/** Collects interactions into columns that grow as needed. */
export class InteractionPacker {
  private readonly traderIds: string[] = [];
  private readonly productIds: string[] = [];
  private readonly traderCode = new Map<string, number>();
  private readonly productCode = new Map<string, number>();
  private length = 0;
  private trader = new Int32Array(1024);
  private product = new Int32Array(1024);
  private kind = new Uint8Array(1024);
  private at = new Float64Array(1024);
  private quantity = new Float64Array(1024);

  /** The known traders and products get the first codes, in their dataset order. */
  constructor(traderIds: Iterable<string> = [], productIds: Iterable<string> = []) {
    for (const id of traderIds) code(id, this.traderIds, this.traderCode);
    for (const id of productIds) code(id, this.productIds, this.productCode);
  }

  add(it: Interaction): void {
    if (this.length === this.at.length) this.grow();
    const i = this.length++;
    this.trader[i] = code(it.traderId, this.traderIds, this.traderCode);
    this.product[i] = code(it.productId, this.productIds, this.productCode);
    const k = KINDS.indexOf(it.kind);
    this.kind[i] = k < 0 ? 255 : k;
    this.at[i] = toMillis(it.at);
    this.quantity[i] = it.quantity ?? Number.NaN;
  }

  /** The columns, trimmed to what was added (copies: the packer can be dropped). */
  finish(): PackedInteractions {
    const n = this.length;
    return {
      traderIds: this.traderIds,
      productIds: this.productIds,
      trader: this.trader.slice(0, n),
      product: this.product.slice(0, n),
      kind: this.kind.slice(0, n),
      at: this.at.slice(0, n),
      quantity: this.quantity.slice(0, n),
    };
  }

  private grow(): void {
    const size = this.at.length * 2;
    const bigger = <T extends Int32Array | Uint8Array | Float64Array>(a: T, make: new (n: number) => T) => {
      const b = new make(size);
      b.set(a);
      return b;
    };
    this.trader = bigger(this.trader, Int32Array);
    this.product = bigger(this.product, Int32Array);
    this.kind = bigger(this.kind, Uint8Array);
    this.at = bigger(this.at, Float64Array);
    this.quantity = bigger(this.quantity, Float64Array);
  }
}

function code(id: string, table: string[], index: Map<string, number>): number {
  let c = index.get(id);
  if (c === undefined) {
    c = table.length;
    table.push(id);
    index.set(id, c);
  }
  return c;
}

export function packDataset(dataset: Dataset): PackedDataset {
  const packer = new InteractionPacker(
    dataset.traders.map((t) => t.id),
    dataset.products.map((p) => p.id),
  );
  for (const it of dataset.interactions) packer.add(it);
  return { ...dataset, interactions: packer.finish() };
}

export function unpackInteractions(p: PackedInteractions): Interaction[] {
  const out: Interaction[] = new Array(p.trader.length);
  for (let i = 0; i < out.length; i++) {
    const q = p.quantity[i]!;
    const it: Interaction = {
      traderId: p.traderIds[p.trader[i]!]!,
      productId: p.productIds[p.product[i]!]!,
      kind: (KINDS[p.kind[i]!] ?? 'unknown') as InteractionKind,
      at: p.at[i]!,
    };
    if (!Number.isNaN(q)) it.quantity = q;
    out[i] = it;
  }
  return out;
}
