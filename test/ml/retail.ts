// A retail-transactions-shaped dataset, generated: customers × items with invoice dates and
// quantities, in the shape of public online-retail logs (one year of invoices; a long tail of items
// bought once; a tenth of the customers buying in bulk; customers who re-buy their staples and
// browse within a few product lines). Customers state no preferences (retail logs have none): what
// the model knows of them is what they bought. Items are named like a gift-ware catalogue, so
// content similarity has words to work with.
import { Rng } from '../../ml/random.ts';
import type { Dataset, Interaction, Product, Trader } from '../../ml/types.ts';

const LINES: Record<string, { nouns: string[]; words: string[] }> = {
  candles: { nouns: ['T-LIGHT HOLDER', 'CANDLE', 'LANTERN'], words: ['scented', 'glass', 'votive', 'wax'] },
  kitchen: { nouns: ['MUG', 'TEA TOWEL', 'CAKE TIN', 'JAM JAR'], words: ['enamel', 'baking', 'tea', 'ceramic'] },
  bags: { nouns: ['JUMBO BAG', 'LUNCH BAG', 'SHOPPER'], words: ['tote', 'strap', 'reusable', 'cotton'] },
  christmas: { nouns: ['BAUBLE', 'STAR', 'ADVENT CALENDAR'], words: ['festive', 'tree', 'glitter', 'hanging'] },
  stationery: { nouns: ['NOTEBOOK', 'WRAP', 'GIFT TAG', 'PENCIL SET'], words: ['paper', 'card', 'writing', 'ribbon'] },
  garden: { nouns: ['PLANT POT', 'BIRD FEEDER', 'WATERING CAN'], words: ['outdoor', 'zinc', 'flower', 'seed'] },
  toys: { nouns: ['SPINNING TOP', 'DOLL', 'JIGSAW'], words: ['wooden', 'kids', 'play', 'game'] },
  decor: { nouns: ['HEART', 'SIGN', 'FRAME', 'CUSHION'], words: ['vintage', 'wall', 'home', 'rustic'] },
};
const COLOURS = ['RED', 'WHITE', 'PINK', 'BLUE', 'GREEN', 'IVORY', 'RETROSPOT', 'POLKADOT', 'REGENCY', 'PAISLEY'];

export interface RetailOptions {
  customers?: number;
  items?: number;
  seed?: number;
  now?: Date;
}

export function retailDataset(options: RetailOptions = {}): Dataset {
  const rng = new Rng(options.seed ?? 5);
  const nCustomers = options.customers ?? 800;
  const nItems = options.items ?? 2500;
  const now = (options.now ?? new Date('2011-12-09T12:00:00Z')).getTime();
  const day = 86_400_000;
  const lines = Object.keys(LINES);

  const products: Product[] = [];
  const byLine: number[][] = lines.map(() => []);
  // Popularity: steep Zipf, so most items sell a handful of times and many once.
  const weight = new Float64Array(nItems);
  for (let j = 0; j < nItems; j++) {
    const l = j % lines.length;
    const line = LINES[lines[l]!]!;
    const colour = rng.pick(COLOURS);
    const noun = rng.pick(line.nouns);
    products.push({
      id: `${85000 + j}`,
      name: `${colour} ${noun}`,
      description: `${rng.pick(line.words)} ${rng.pick(line.words)} ${noun.toLowerCase()} in ${colour.toLowerCase()}`,
      category: lines[l]!,
      unitPrice: Math.round(rng.uniform(40, 1500)),
      createdAt: new Date(now - rng.uniform(30, 500) * day),
    });
    byLine[l]!.push(j);
    weight[j] = 1 / (1 + rng.int(nItems)) ** 1.3;
  }
  const cumulativeOf = (items: number[]) => {
    const c = new Float64Array(items.length);
    let s = 0;
    items.forEach((j, i) => (c[i] = s += weight[j]!));
    return c;
  };
  const lineCumulative = byLine.map(cumulativeOf);

  const traders: Trader[] = [];
  const interactions: Interaction[] = [];
  for (let c = 0; c < nCustomers; c++) {
    const id = `C${12000 + c}`;
    traders.push({ id, market: rng.bool(0.9) ? 'United Kingdom' : rng.pick(['France', 'Germany', 'EIRE']), categories: [], budgetMin: 0, budgetMax: 0, groupSizes: [], frequency: 'unknown', createdAt: new Date(now - 400 * day) });
    const bulk = rng.bool(0.1);
    const tastes = rng.shuffle([...lines.keys()]).slice(0, 1 + rng.int(3));
    // Staples: a few items this customer re-buys on most invoices.
    const staples = Array.from({ length: 2 + rng.int(4) }, () => {
      const l = rng.pick(tastes);
      return byLine[l]![rng.weighted(lineCumulative[l]!)]!;
    });
    const invoices = 1 + rng.poisson(bulk ? 10 : 4);
    const first = now - rng.uniform(60, 365) * day;
    for (let v = 0; v < invoices; v++) {
      const at = new Date(first + ((now - first) * (v + rng.random())) / invoices);
      const lines_ = 1 + rng.poisson(bulk ? 12 : 5);
      const seen = new Set<number>();
      for (let k = 0; k < lines_; k++) {
        let j: number;
        if (rng.bool(0.35)) j = rng.pick(staples);
        else if (rng.bool(0.85)) {
          const l = rng.pick(tastes);
          j = byLine[l]![rng.weighted(lineCumulative[l]!)]!;
        } else j = rng.int(nItems);
        if (seen.has(j)) continue;
        seen.add(j);
        const quantity = bulk ? 12 * (1 + rng.int(16)) : 1 + rng.poisson(2);
        interactions.push({ traderId: id, productId: products[j]!.id, kind: 'paid', at, quantity });
      }
    }
  }
  return { traders, products, interactions, now: new Date(now) };
}
