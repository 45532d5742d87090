// Synthetic datasets with planted structure, for tests and benchmarks. Traders belong to a segment
// (market × line of business); traders in a segment share favourite brands in their categories, so
// there is real signal for CF (shared tastes), content (brand and category words) and clustering
// (preferences), plus noise: random purchases, dropped and extra categories, inactive traders,
// traders without history and newly listed products.

import { Rng } from './random.ts';
import { DAY_MS } from './time.ts';
import type { Dataset, Group, Interaction, MarketCoordinates, Product, Trader } from './types.ts';

/** Harare markets and approximate centres (kept here so ml/ depends on nothing in api/). */
export const HARARE_MARKETS: MarketCoordinates = {
  'Mbare Musika': { lat: -17.862, lng: 31.038 },
  'Glen View': { lat: -17.9097, lng: 30.9581 },
  Budiriro: { lat: -17.89, lng: 30.92 },
  Highfield: { lat: -17.8833, lng: 30.9833 },
  Chitungwiza: { lat: -18.0127, lng: 31.0756 },
  Kuwadzana: { lat: -17.829, lng: 30.929 },
  'Warren Park': { lat: -17.844, lng: 30.985 },
  Epworth: { lat: -17.89, lng: 31.1475 },
  'Harare CBD': { lat: -17.8292, lng: 31.0522 },
};

interface CategoryDef {
  nouns: string[];
  variants: string[];
  units: { label: string; multiplier: number }[];
  /** Cents for the smallest unit. */
  basePrice: number;
  blurbs: string[];
}

const CATEGORIES: Record<string, CategoryDef> = {
  'mealie-meal': {
    nouns: ['roller meal', 'mealie meal', 'maize meal'],
    variants: ['white', 'super refined', 'fortified', 'stone ground'],
    units: [{ label: '10 kg bag', multiplier: 1 }, { label: '20 kg bag', multiplier: 1.9 }, { label: '5 kg bag', multiplier: 0.55 }],
    basePrice: 650,
    blurbs: ['Milled from local white maize for sadza.', 'Fine grind, sold by the bag.', 'Family staple, long shelf life.'],
  },
  'cooking-oil': {
    nouns: ['cooking oil', 'vegetable oil'],
    variants: ['sunflower', 'soya', 'blended', 'pure'],
    units: [{ label: '2 L bottle', multiplier: 1 }, { label: '5 L bottle', multiplier: 2.3 }, { label: '20 L drum', multiplier: 8 }],
    basePrice: 420,
    blurbs: ['Refined oil for frying and baking.', 'Resold in small measures at the stall.', 'Cholesterol free, light taste.'],
  },
  sugar: {
    nouns: ['sugar', 'cane sugar'],
    variants: ['brown', 'white', 'golden', 'castor'],
    units: [{ label: '2 kg pack', multiplier: 1 }, { label: '10 kg bag', multiplier: 4.6 }, { label: '50 kg bag', multiplier: 21 }],
    basePrice: 260,
    blurbs: ['From the Lowveld estates.', 'Repack into small bags for resale.', 'Crystals for tea and baking.'],
  },
  rice: {
    nouns: ['rice'],
    variants: ['long grain', 'basmati', 'jasmine', 'parboiled'],
    units: [{ label: '2 kg pack', multiplier: 1 }, { label: '10 kg bag', multiplier: 4.5 }, { label: '25 kg bag', multiplier: 10.5 }],
    basePrice: 280,
    blurbs: ['Aromatic grains, cooks fluffy.', 'Polished white rice.', 'Bulk bag for repacking.'],
  },
  flour: {
    nouns: ['flour', 'cake flour', 'bread flour'],
    variants: ['self raising', 'plain', 'whole wheat', 'premium'],
    units: [{ label: '2 kg pack', multiplier: 1 }, { label: '10 kg bag', multiplier: 4.4 }, { label: '50 kg bag', multiplier: 20 }],
    basePrice: 240,
    blurbs: ['For buns, scones and vetkoek.', 'Bakery grade wheat.', 'Sifted and enriched.'],
  },
  beverages: {
    nouns: ['maheu', 'soft drinks', 'tea bags', 'juice'],
    variants: ['sweet', 'assorted', 'orange', 'black'],
    units: [{ label: 'pack of 6', multiplier: 1 }, { label: 'crate of 24', multiplier: 3.8 }, { label: 'box of 100', multiplier: 0.5 }],
    basePrice: 500,
    blurbs: ['Chilled sells best at lunchtime.', 'Refreshing drink for the stall.', 'Popular with commuters.'],
  },
  soap: {
    nouns: ['laundry soap', 'washing powder', 'dishwashing liquid', 'bath soap'],
    variants: ['blue bar', 'lemon', 'antibacterial', 'family'],
    units: [{ label: 'box of 10', multiplier: 1 }, { label: '2 kg pack', multiplier: 0.45 }, { label: '750 ml bottle', multiplier: 0.18 }],
    basePrice: 1100,
    blurbs: ['Cleans tough stains.', 'Long lasting bars.', 'Gentle on hands.'],
  },
  cosmetics: {
    nouns: ['petroleum jelly', 'body lotion', 'hair relaxer', 'hair food'],
    variants: ['cocoa butter', 'aloe', 'no lye', 'unscented'],
    units: [{ label: '250 ml tub', multiplier: 1 }, { label: '400 ml bottle', multiplier: 2.2 }, { label: 'salon kit', multiplier: 3.6 }],
    basePrice: 130,
    blurbs: ['For salons and resale.', 'Moisturises dry skin.', 'Trusted by hairdressers.'],
  },
  'clothing-bales': {
    nouns: ['dresses bale', 'jeans bale', 'children wear bale', 'jackets bale'],
    variants: ['grade a', 'mixed', 'summer', 'winter'],
    units: [{ label: '45 kg bale', multiplier: 1 }, { label: '25 kg bale', multiplier: 0.6 }],
    basePrice: 9500,
    blurbs: ['Second hand, sorted by grade.', 'Mixed sizes, good condition.', 'Fast sellers at the flea market.'],
  },
  hardware: {
    nouns: ['portland cement', 'roofing nails', 'padlock', 'wheelbarrow'],
    variants: ['galvanised', 'brass', 'heavy duty', 'general purpose'],
    units: [{ label: '50 kg bag', multiplier: 1 }, { label: '1 kg box', multiplier: 0.22 }, { label: 'each', multiplier: 3 }],
    basePrice: 1100,
    blurbs: ['Builders and contractors buy weekly.', 'Durable for site work.', 'Rust resistant.'],
  },
  'phone-accessories': {
    nouns: ['charging cable', 'power bank', 'earphones', 'phone cover'],
    variants: ['usb c', 'fast charge', 'wired', 'silicone'],
    units: [{ label: 'pack of 10', multiplier: 1 }, { label: 'each', multiplier: 1.4 }],
    basePrice: 850,
    blurbs: ['Handy during load shedding.', 'Compatible with most phones.', 'Sells fast at bus termini.'],
  },
  stationery: {
    nouns: ['exercise books', 'ballpoint pens', 'school bags', 'pencils'],
    variants: ['a4', 'blue ink', 'hardcover', 'hb'],
    units: [{ label: 'pack of 20', multiplier: 1 }, { label: 'box of 50', multiplier: 2.2 }],
    basePrice: 600,
    blurbs: ['Back to school season demand.', 'Quality paper, ruled.', 'Smooth writing.'],
  },
};

/** Lines of business: the categories their traders buy, typical units per order. */
export const LINES_OF_BUSINESS: Record<string, { categories: string[]; typicalQuantity: number }> = {
  groceries: { categories: ['mealie-meal', 'cooking-oil', 'sugar', 'rice', 'beverages'], typicalQuantity: 8 },
  bakery: { categories: ['flour', 'sugar', 'cooking-oil'], typicalQuantity: 6 },
  household: { categories: ['soap', 'cosmetics', 'sugar'], typicalQuantity: 6 },
  clothing: { categories: ['clothing-bales'], typicalQuantity: 1 },
  hardware: { categories: ['hardware'], typicalQuantity: 5 },
  electronics: { categories: ['phone-accessories', 'stationery'], typicalQuantity: 4 },
  beauty: { categories: ['cosmetics', 'soap'], typicalQuantity: 8 },
};

const BRANDS = [
  'Shumba', 'Nzou', 'Gudo', 'Mhofu', 'Hungwe', 'Ngwena', 'Shiri', 'Mvura', 'Zuva', 'Mwedzi', 'Nyeredzi', 'Dombo',
  'Rukato', 'Kadoma', 'Chipinge', 'Masvingo', 'Mutare', 'Gweru', 'Kariba', 'Tsuro', 'Hwange', 'Nyanga', 'Chimanimani',
  'Zambezi', 'Limpopo', 'Save', 'Runde', 'Mazowe', 'Bindura', 'Marondera', 'Chegutu', 'Kwekwe', 'Rusape', 'Karoi',
  'Beitbridge', 'Chinhoyi', 'Gokwe', 'Shurugwi', 'Zvishavane', 'Mberengwa', 'Murewa', 'Mutoko', 'Nyamapanda', 'Honde',
  'Vumba', 'Matopos', 'Tengwe', 'Banket',
];

const GROUP_SIZES = ['small', 'medium', 'large'];
const FREQUENCIES = ['weekly', 'fortnightly', 'monthly', 'occasionally'];

export interface SyntheticOptions {
  seed?: number;
  traders?: number;
  products?: number;
  groups?: number;
  /** Length of the interaction history. */
  days?: number;
  /** Mean browsing sessions per trader (each yields a view, maybe a click, join and payment). */
  sessionsPerTrader?: number;
  /** Share of sessions that ignore the trader's segment taste. */
  noise?: number;
  newProductFraction?: number;
  inactiveFraction?: number;
  /** Share of traders with no interactions at all. */
  coldFraction?: number;
  /** The reference "now". */
  now?: Date;
}

export interface SyntheticData {
  dataset: Dataset;
  /** Open groups, plus some closed and full ones. */
  groups: Group[];
  marketCoordinates: MarketCoordinates;
  truth: {
    segmentOf: Record<string, { market: string; lineOfBusiness: string }>;
    /** Traders generated without any interactions. */
    coldTraderIds: string[];
    newProductIds: string[];
  };
}

function cumulative(weights: ArrayLike<number>): Float64Array {
  const out = new Float64Array(weights.length);
  let s = 0;
  for (let i = 0; i < weights.length; i++) out[i] = s += weights[i] ?? 0;
  return out;
}

export function generateSynthetic(options: SyntheticOptions = {}): SyntheticData {
  const rng = new Rng(options.seed ?? 7);
  const nTraders = options.traders ?? 500;
  const nProducts = options.products ?? 200;
  const nGroups = options.groups ?? 100;
  const days = options.days ?? 180;
  const sessionsMean = options.sessionsPerTrader ?? 12;
  const noise = options.noise ?? 0.15;
  const now = (options.now ?? new Date('2025-11-01T12:00:00Z')).getTime();
  const markets = Object.keys(HARARE_MARKETS);
  const categoryNames = Object.keys(CATEGORIES);
  const lobNames = Object.keys(LINES_OF_BUSINESS);

  // Brands: each category stocks 6 of them.
  const brandsOf: Record<string, string[]> = {};
  for (const c of categoryNames) brandsOf[c] = rng.shuffle([...BRANDS]).slice(0, 6);

  // Products.
  const products: Product[] = [];
  const productBrand: string[] = [];
  const basePop = new Float64Array(nProducts);
  const newProductIds: string[] = [];
  const popRank = rng.shuffle(Array.from({ length: nProducts }, (_, i) => i));
  for (let j = 0; j < nProducts; j++) {
    const category = categoryNames[j % categoryNames.length]!;
    const def = CATEGORIES[category]!;
    const brand = rng.pick(brandsOf[category]!);
    const variant = rng.pick(def.variants);
    const noun = rng.pick(def.nouns);
    const unit = rng.pick(def.units);
    const price = Math.max(50, Math.round((def.basePrice * unit.multiplier * rng.uniform(0.85, 1.2)) / 5) * 5);
    const isNew = rng.bool(options.newProductFraction ?? 0.04);
    const createdAt = isNew ? now - rng.uniform(0.5, 13) * DAY_MS : now - rng.uniform(days, days + 365) * DAY_MS;
    const id = `p${String(j + 1).padStart(5, '0')}`;
    if (isNew) newProductIds.push(id);
    products.push({
      id,
      name: `${brand} ${variant} ${noun} ${unit.label}`,
      description: `${variant} ${noun} from ${brand}. ${rng.pick(def.blurbs)}`,
      category,
      unitPrice: price,
      currency: 'USD',
      createdAt: new Date(createdAt),
    });
    productBrand.push(brand);
    basePop[j] = 1 / (1 + popRank[j]!) ** 0.6;
  }
  const productsByCategory = new Map<string, number[]>();
  products.forEach((p, j) => {
    const list = productsByCategory.get(p.category) ?? [];
    list.push(j);
    productsByCategory.set(p.category, list);
  });
  const meanPrice = (cats: string[]) => {
    const prices = cats.flatMap((c) => (productsByCategory.get(c) ?? []).map((j) => products[j]!.unitPrice));
    return prices.reduce((a, b) => a + b, 0) / Math.max(1, prices.length);
  };

  // Segment tastes: each line of business has a favourite brand per category, and each
  // market × line of business segment one more of its own.
  const lobFavourite: Record<string, Record<string, string>> = {};
  for (const lob of lobNames) {
    lobFavourite[lob] = {};
    for (const c of LINES_OF_BUSINESS[lob]!.categories) lobFavourite[lob]![c] = rng.pick(brandsOf[c]!);
  }
  const segmentCdf = new Map<string, Float64Array>();
  for (const market of markets) {
    for (const lob of lobNames) {
      const cats = new Set(LINES_OF_BUSINESS[lob]!.categories);
      const own: Record<string, string> = {};
      for (const c of cats) own[c] = rng.pick(brandsOf[c]!);
      // A few products each segment is especially keen on.
      const keen = new Set(rng.sampleIndices(nProducts, Math.max(3, Math.round(nProducts / 40))));
      const weights = products.map((p, j) => {
        if (!cats.has(p.category)) return 0;
        let w = basePop[j]!;
        if (productBrand[j] === lobFavourite[lob]![p.category]) w *= 6;
        if (productBrand[j] === own[p.category]) w *= 6;
        if (keen.has(j)) w *= 4;
        return w;
      });
      segmentCdf.set(`${market}|${lob}`, cumulative(weights));
    }
  }
  const globalCdf = cumulative(basePop);

  // Traders and their interactions.
  const traders: Trader[] = [];
  const interactions: Interaction[] = [];
  const segmentOf: SyntheticData['truth']['segmentOf'] = {};
  const coldTraderIds: string[] = [];
  const marketWeights = cumulative(markets.map((_, i) => 1 + (i === 0 ? 1 : 0)));
  for (let t = 0; t < nTraders; t++) {
    const id = `t${String(t + 1).padStart(5, '0')}`;
    const market = markets[rng.weighted(marketWeights)]!;
    const lob = rng.pick(lobNames);
    const def = LINES_OF_BUSINESS[lob]!;
    let categories = [...def.categories];
    if (categories.length > 1 && rng.bool(0.3)) categories.splice(rng.int(categories.length), 1);
    if (rng.bool(0.15)) {
      const extra = rng.pick(categoryNames);
      if (!categories.includes(extra)) categories = [...categories, extra];
    }
    const typicalCost = meanPrice(def.categories) * def.typicalQuantity;
    const budgetMin = Math.max(500, Math.round((typicalCost * rng.uniform(0.3, 0.6)) / 100) * 100);
    const budgetMax = Math.max(budgetMin + 1000, Math.round((typicalCost * rng.uniform(1.5, 3)) / 100) * 100);
    const createdAt = now - rng.uniform(20, days + 60) * DAY_MS;
    traders.push({
      id,
      market,
      categories,
      budgetMin,
      budgetMax,
      currency: 'USD',
      groupSizes: rng.bool(0.3) ? [rng.pick(GROUP_SIZES), rng.pick(GROUP_SIZES)].filter((v, i, a) => a.indexOf(v) === i) : [rng.pick(GROUP_SIZES)],
      frequency: rng.pick(FREQUENCIES),
      createdAt: new Date(createdAt),
    });
    segmentOf[id] = { market, lineOfBusiness: lob };

    if (rng.bool(options.coldFraction ?? 0.03)) {
      coldTraderIds.push(id);
      continue;
    }
    const inactive = rng.bool(options.inactiveFraction ?? 0.1);
    const activeUntil = inactive ? now - rng.uniform(60, 150) * DAY_MS : now;
    const start = Math.min(Math.max(createdAt, now - days * DAY_MS), activeUntil - DAY_MS);
    const sessions = Math.max(1, Math.round((1 + rng.poisson(Math.max(0, sessionsMean - 1))) * Math.exp(0.4 * rng.normal() - 0.08)));
    const cdf = segmentCdf.get(`${market}|${lob}`)!;
    const preferred = new Set(categories);
    for (let s = 0; s < sessions; s++) {
      const at = rng.uniform(start, activeUntil);
      let j = -1;
      for (let attempt = 0; attempt < 20; attempt++) {
        const candidate = rng.bool(noise) ? rng.weighted(globalCdf) : rng.weighted(cdf);
        const p = products[candidate]!;
        if ((p.createdAt as Date).getTime() > at) continue;
        if (!preferred.has(p.category) && attempt < 10 && !rng.bool(noise)) continue;
        j = candidate;
        break;
      }
      if (j < 0) continue;
      const productId = products[j]!.id;
      interactions.push({ traderId: id, productId, kind: 'view', at: new Date(at) });
      if (rng.bool(0.5)) interactions.push({ traderId: id, productId, kind: 'click', at: new Date(Math.min(now, at + 60_000)) });
      if (rng.bool(0.3)) {
        const quantity = Math.max(1, Math.round(def.typicalQuantity * rng.uniform(0.5, 1.5)));
        const joinAt = Math.min(now, at + rng.uniform(0.1, 6) * 3_600_000);
        interactions.push({ traderId: id, productId, kind: 'join', at: new Date(joinAt), quantity });
        if (rng.bool(0.75)) {
          interactions.push({ traderId: id, productId, kind: 'paid', at: new Date(Math.min(now, joinAt + rng.uniform(0.1, 2) * DAY_MS)), quantity });
        }
      }
    }
  }
  interactions.sort((a, b) => (a.at as Date).getTime() - (b.at as Date).getTime());

  // Groups: mostly open, some closed, some full; participants from the pickup market's traders
  // who buy the category.
  const groups: Group[] = [];
  const tradersByMarket = new Map<string, number[]>();
  traders.forEach((t, i) => tradersByMarket.set(t.market, [...(tradersByMarket.get(t.market) ?? []), i]));
  for (let g = 0; g < nGroups; g++) {
    const j = rng.weighted(globalCdf);
    const product = products[j]!;
    const pickupMarket = markets[rng.weighted(marketWeights)]!;
    const moq = 5 * (2 + rng.int(11));
    const maxQty = rng.bool(0.5) ? null : moq * 2;
    let committedQty = rng.int(Math.round(moq * 1.1) + 1);
    const kind = rng.random();
    const full = maxQty !== null && kind < 0.08;
    if (full) committedQty = maxQty!;
    else if (maxQty !== null) committedQty = Math.min(committedQty, maxQty - 1);
    const pool = (tradersByMarket.get(pickupMarket) ?? []).filter((i) => traders[i]!.categories.includes(product.category));
    const participants = Math.min(pool.length, Math.max(0, Math.round(committedQty / 5)), 15);
    const participantIds = rng.shuffle([...pool]).slice(0, participants).map((i) => traders[i]!.id);
    const point = HARARE_MARKETS[pickupMarket]!;
    groups.push({
      id: `g${String(g + 1).padStart(5, '0')}`,
      productId: product.id,
      pickupMarket,
      pickupLat: point.lat + rng.uniform(-0.004, 0.004),
      pickupLng: point.lng + rng.uniform(-0.004, 0.004),
      unitPrice: Math.round((product.unitPrice * rng.uniform(0.8, 0.95)) / 5) * 5,
      currency: 'USD',
      moq,
      committedQty,
      maxQty,
      deadline: new Date(now + rng.uniform(0.2, 14) * DAY_MS),
      status: kind > 0.94 ? 'closed' : 'open',
      participantIds,
    });
  }

  return {
    dataset: { traders, products, interactions, now: new Date(now) },
    groups,
    marketCoordinates: { ...HARARE_MARKETS },
    truth: { segmentOf, coldTraderIds, newProductIds },
  };
}
