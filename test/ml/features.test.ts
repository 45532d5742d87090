import { describe, expect, it } from 'vitest';
import { behaviourAsOf, buildFeatureSpec, buildIndex, buildInteractionMatrices, DEFAULT_INTERACTION_WEIGHTS, preferenceVector } from '../../ml/features.ts';
import { decayedPopularity } from '../../ml/popularity.ts';
import { rowOf } from '../../ml/sparse.ts';
import { DAY_MS } from '../../ml/time.ts';
import type { BehaviourSnapshot, Interaction } from '../../ml/types.ts';

const now = Date.UTC(2025, 10, 1);
const traders = buildIndex(['a', 'b', 'c']);
const products = buildIndex(['p1', 'p2', 'p3', 'p4']);

describe('interaction matrix', () => {
  const interactions: Interaction[] = [
    { traderId: 'a', productId: 'p1', kind: 'paid', at: now, quantity: 4 },
    { traderId: 'a', productId: 'p1', kind: 'view', at: now - 60 * DAY_MS },
    { traderId: 'a', productId: 'p3', kind: 'join', at: new Date(now - 120 * DAY_MS), quantity: 2 },
    { traderId: 'a', productId: 'p3', kind: 'join', at: new Date(now - 120 * DAY_MS).toISOString(), quantity: 6 },
    { traderId: 'b', productId: 'p2', kind: 'click', at: now - 30 * DAY_MS },
    { traderId: 'b', productId: 'p4', kind: 'view', at: now + DAY_MS }, // future: ignored
    { traderId: 'zz', productId: 'p4', kind: 'view', at: now }, // unknown trader: ignored
  ];
  const m = buildInteractionMatrices(interactions, traders, products, { weights: DEFAULT_INTERACTION_WEIGHTS, halfLifeDays: 60, now });

  it('sums kind weights × log2(1 + quantity) with exponential time decay, sparsely', () => {
    // a×p1: paid 4 units now 5 × log2(5) + view one half-life ago 0.5 × 0.5
    // a×p3: joins of 2 and 6 units two half-lives ago: 3 × (log2(3) + log2(7)) × 0.25
    // b×p2: click half a half-life ago: 1.5 × 2^(−0.5) = 1.06066
    expect([...rowOf(m.matrix, 0).indices]).toEqual([0, 2]);
    expect(rowOf(m.matrix, 0).values[0]).toBeCloseTo(5 * Math.log2(5) + 0.25, 12);
    expect(rowOf(m.matrix, 0).values[1]).toBeCloseTo(3 * (Math.log2(3) + Math.log2(7)) * 0.25, 12);
    expect(rowOf(m.matrix, 1).values[0]).toBeCloseTo(1.5 * 2 ** -0.5, 12);
    expect(m.matrix.indices.length).toBe(3);
    expect(rowOf(m.matrix, 2).indices.length).toBe(0);
    expect(m.used).toBe(5);
    expect(m.ignored).toBe(2);
  });

  it('records joined products with the median quantity and last activity', () => {
    expect([...rowOf(m.joined, 0).indices]).toEqual([0, 2]);
    expect([...rowOf(m.joined, 0).values]).toEqual([4, 4]); // median(4) and median(2, 6)
    expect(rowOf(m.joined, 1).indices.length).toBe(0);
    expect(m.lastActiveAt[0]).toBe(now);
    expect(Number.isNaN(m.lastActiveAt[2])).toBe(true);
  });

  it('weights are configurable', () => {
    const custom = buildInteractionMatrices(interactions, traders, products, {
      weights: { paid: 1, join: 1, click: 0, view: 0 },
      halfLifeDays: 60,
      now,
    });
    expect(rowOf(custom.matrix, 0).values[0]).toBeCloseTo(Math.log2(5), 12); // paid 1 × log2(1 + 4 units)
    expect(rowOf(custom.matrix, 1).indices.length).toBe(0);
  });

  it('popularity decays with its own half-life', () => {
    const pop = decayedPopularity(interactions, products, { weights: DEFAULT_INTERACTION_WEIGHTS, halfLifeDays: 30, now });
    // p1: 5 + 0.5 × 2^(−2) = 5.125; p2: 1.5 × 0.5 = 0.75; p3: 2 × 3 × 2^(−4) = 0.375; p4: unknown trader's view now = 0.5
    expect([...pop].map((x) => +x.toFixed(6))).toEqual([5.125, 0.75, 0.375, 0.5]);
  });
});

describe('preference vectors', () => {
  const base = { budgetMin: 1000, budgetMax: 10000, groupSizes: ['small'], frequency: 'weekly' };
  const spec = buildFeatureSpec(
    [
      { ...base, market: 'Mbare Musika', categories: ['sugar', 'rice'] },
      { ...base, market: 'Glen View', categories: ['soap'], budgetMin: 100, budgetMax: 100000, groupSizes: ['large'] },
    ],
    ['cooking-oil'],
  );

  it('encodes each block with unit norm times its weight', () => {
    const v = preferenceVector(spec, { ...base, market: 'Mbare Musika', categories: ['sugar', 'rice'] });
    expect(spec.dimensions).toEqual([
      'category:cooking-oil', 'category:rice', 'category:soap', 'category:sugar',
      'market:Glen View', 'market:Mbare Musika',
      'budget:min', 'budget:max',
      'groupSize:large', 'groupSize:small',
      'frequency',
      'behaviour:frequency', 'behaviour:monetary', 'behaviour:recency', 'behaviour:engagement',
    ]);
    expect(v.slice(0, 4)).toEqual([0, expect.closeTo(Math.SQRT1_2, 12), 0, expect.closeTo(Math.SQRT1_2, 12)]);
    expect(v.slice(4, 6)).toEqual([0, 1]);
    // log10(1 + budget) scaled over the range seen: [log10(101), log10(100001)]
    const lo = Math.log10(101);
    const hi = Math.log10(100001);
    expect(v[6]).toBeCloseTo(((Math.log10(1001) - lo) / (hi - lo)) * 0.5 * Math.SQRT1_2, 12);
    expect(v[7]).toBeCloseTo(((Math.log10(10001) - lo) / (hi - lo)) * 0.5 * Math.SQRT1_2, 12);
    expect(v.slice(8, 10)).toEqual([0, 0.5]);
    expect(v[10]).toBe(0.5); // weekly = 1 on the frequency scale × block weight 0.5
    expect(v.slice(11)).toEqual([0, 0, 0, 0]); // no features: with those who have not bought yet
  });

  it('scales what a trader did against the most seen in training, as one block of norm ≤ its weight', () => {
    const most = { recencyDays: 2, frequency: 9, monetary: 99_999, engagement: 4 };
    const withBehaviour = buildFeatureSpec([{ ...base, market: 'Mbare Musika', categories: [] }], [], undefined, [most, { recencyDays: null, frequency: 0, monetary: 0, engagement: 1 }]);
    expect(withBehaviour.behaviourMax).toEqual({ frequencyLog: Math.log1p(9), monetaryLog: Math.log10(100_000), engagement: 4 });
    const profile = { ...base, market: 'Mbare Musika', categories: [] };
    // Half the most on each scale, paid 30 days ago: (log1p(f)/log1p(9), log10(1+m)/5, 30/(30+30), e/4)
    const half = { recencyDays: 30, frequency: Math.expm1(Math.log1p(9) / 2), monetary: 10 ** 2.5 - 1, engagement: 2 };
    const b = preferenceVector(withBehaviour, { ...profile, behaviour: half }).slice(-4);
    const raw = [0.5, 0.5, 0.5, 0.5]; // norm 1: kept, times the block weight 0.5
    b.forEach((x, i) => expect(x).toBeCloseTo(raw[i]! * 0.5, 12));
    const top = preferenceVector(withBehaviour, { ...profile, behaviour: { ...most, recencyDays: 0 } }).slice(-4);
    expect(Math.hypot(...top)).toBeCloseTo(0.5, 12); // four 1s scaled to norm 1, times 0.5
    // A trader who never paid has no recency, whatever else they did.
    expect(preferenceVector(withBehaviour, { ...profile, behaviour: { recencyDays: null, frequency: 0, monetary: 0, engagement: 4 } }).slice(-4)).toEqual([0, 0, 0, 0.5]);
  });

  it('takes the latest feature snapshot at or before the training data ends, never a later one', () => {
    const snapshots: BehaviourSnapshot[] = [
      { at: now - 10 * DAY_MS, traders: { a: { recencyDays: null, frequency: 0, monetary: 0, engagement: 0 } } },
      { at: new Date(now).toISOString(), traders: {} },
      { at: now + DAY_MS, traders: {} },
    ];
    expect(behaviourAsOf(snapshots, now - DAY_MS)).toBe(snapshots[0]);
    expect(behaviourAsOf(snapshots, now)).toBe(snapshots[1]);
    expect(behaviourAsOf(snapshots, now - 11 * DAY_MS)).toBeUndefined();
    expect(behaviourAsOf(undefined, now)).toBeUndefined();
  });

  it('ignores values it has not seen', () => {
    const v = preferenceVector(spec, { ...base, market: 'Nowhere', categories: ['unknown'], frequency: 'sometimes' });
    expect(v.slice(0, 6)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(v[10]).toBe(0.25);
  });
});
