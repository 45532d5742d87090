import { describe, expect, it } from 'vitest';
import { budgetFit, countParticipants, groupEligibility, groupTable, haversineKm, recommend, similarTraders, urgencySignal } from '../../ml/index.ts';
import type { Group } from '../../ml/index.ts';
import { smallModel } from './fixtures.ts';

const DAY = 86_400_000;

describe('group signals', () => {
  it('haversine distance between Harare markets', () => {
    // Mbare Musika → Harare CBD: Δlat 0.0328°, Δlng 0.0142° at −17.85°: ≈ 3.8 km
    expect(haversineKm({ lat: -17.862, lng: 31.038 }, { lat: -17.8292, lng: 31.0522 })).toBeCloseTo(3.92, 1);
    expect(haversineKm({ lat: 0, lng: 0 }, { lat: 0, lng: 1 })).toBeCloseTo(111.19, 1);
  });

  it('budget fit is 1 inside the budget and falls off above it', () => {
    expect(budgetFit(5000, 2000, 10000)).toBe(1);
    expect(budgetFit(15000, 2000, 10000)).toBe(0.5);
    expect(budgetFit(25000, 2000, 10000)).toBe(0);
    expect(budgetFit(1000, 2000, 10000)).toBeCloseTo(0.85, 12);
  });

  it('urgency grows as the deadline nears and the group nears its MOQ', () => {
    expect(urgencySignal(1, 20, 17, 3)).toBeGreaterThan(urgencySignal(10, 20, 17, 3));
    expect(urgencySignal(5, 20, 17, 3)).toBeGreaterThan(urgencySignal(5, 20, 2, 3));
  });

  it('eligibility', () => {
    const g: Group = { id: 'g', productId: 'p', pickupMarket: 'm', unitPrice: 1, moq: 5, committedQty: 5, maxQty: 5, deadline: 10 * DAY };
    expect(groupEligibility(g, 't', new Set(), 0)).toBe('full');
    expect(groupEligibility({ ...g, maxQty: null }, 't', new Set(), 0)).toBe('eligible');
    expect(groupEligibility({ ...g, maxQty: null }, 't', new Set(), 11 * DAY)).toBe('expired');
    expect(groupEligibility({ ...g, maxQty: null, participantIds: ['t'] }, 't', new Set(), 0)).toBe('joined');
  });
});

describe('group explanations', () => {
  it('say why: budget, distance, MOQ, deadline', () => {
    const model = smallModel();
    const mbare = { lat: -17.862, lng: 31.038 };
    // 1.2 km due north: 1.2 / 111.195 degrees of latitude.
    const pickup = { lat: mbare.lat + 1.2 / 111.195, lng: mbare.lng };
    const product = {
      id: 'oil-new',
      name: 'Gold sunflower cooking oil 20 L drum',
      description: 'Refined sunflower cooking oil for resale',
      category: 'cooking-oil',
      unitPrice: 6000,
      createdAt: model.now - 30 * DAY,
    };
    const group: Group = {
      id: 'g-oil',
      productId: product.id,
      pickupMarket: 'Mbare Market Hall',
      pickupLat: pickup.lat,
      pickupLng: pickup.lng,
      unitPrice: 6000,
      moq: 20,
      committedQty: 17,
      maxQty: null,
      deadline: model.now + 2 * DAY,
      status: 'open',
    };
    const [rec] = recommend(
      model,
      {
        profile: {
          market: 'Mbare Musika',
          categories: ['cooking-oil'],
          budgetMin: 5000,
          budgetMax: 20000,
          groupSizes: ['small'],
          frequency: 'weekly',
        },
      },
      [group],
      { marketCoordinates: { 'Mbare Musika': mbare }, products: [product], maxReasons: 10 },
    );
    expect(rec!.explanation.reasons).toEqual(
      expect.arrayContaining(['fits your $50-$200 budget', '1.2 km from your market', '3 units to MOQ', 'closes in 2 days']),
    );
    expect(rec!.facts).toEqual({ distanceKm: expect.closeTo(1.2, 3), closesInDays: 2, unitsToMoq: 3, estimatedCost: 6000, typicalQuantity: 1 });
  });
});

describe('who is in a group', () => {
  const model = smallModel();
  const { ids, profiles } = model.traders;
  const me = 0;
  const market = profiles[me]!.market;
  const sameMarket = ids.map((_, t) => t).filter((t) => t !== me && profiles[t]!.market === market);
  const elsewhere = ids.findIndex((_, t) => profiles[t]!.market !== market);
  const open = (id: string, participantIds: string[], productId = model.products.ids[0]!): Group => ({
    id,
    productId,
    pickupMarket: market,
    unitPrice: model.products.unitPrices[0]!,
    moq: 50,
    committedQty: 10,
    maxQty: null,
    deadline: model.now + 5 * DAY,
    status: 'open',
    participantIds,
  });

  it('resolves participants and products to model indices once per list, leaving out ones the model does not know', () => {
    const groups = [open('g1', [ids[sameMarket[0]!]!, 'someone-new', ids[elsewhere]!]), open('g2', [], 'product-listed-since')];
    const table = groupTable(model, groups);
    expect([...table.participants[0]!]).toEqual([sameMarket[0], elsewhere]);
    expect([...table.participants[1]!]).toEqual([]);
    expect([...table.product]).toEqual([0, -1]);
    expect(groupTable(model, groups)).toBe(table);
  });

  it('counts participants from the trader\'s market and among their similar traders, never the trader', () => {
    const { markets, marketId } = model.derived.similarity;
    const participants = Int32Array.from([me, sameMarket[0]!, sameMarket[1]!, elsewhere]);
    expect(countParticipants(participants, me, marketId.get(market)!, markets, new Set([me, elsewhere]))).toEqual({ sameMarket: 2, similar: 1 });
    expect(countParticipants(participants, null, -1, markets, new Set())).toEqual({ sameMarket: 0, similar: 0 });
  });

  it('says so in the reasons: traders like you, or traders from your market', () => {
    const row = (t: number) => new Set(Array.from(model.joined.indices.slice(model.joined.indptr[t]!, model.joined.indptr[t + 1]!)));
    const neighbours = similarTraders(
      { categories: profiles[me]!.categories, market, joined: row(me) },
      model.derived.similarity,
      model.params.coldStart.neighbors,
      me,
    ).map((n) => n.trader);
    const strangers = sameMarket.filter((t) => !neighbours.includes(t)).slice(0, 2);
    expect(strangers).toHaveLength(2);
    const reasons = (participantIds: string[]) =>
      recommend(model, { traderId: ids[me]! }, [open('g', participantIds)], { maxReasons: 20, diversity: false })[0]!.explanation.reasons;
    expect(reasons(neighbours.slice(0, 3).map((t) => ids[t]!))).toContain('3 traders like you are in this group');
    expect(reasons(strangers.map((t) => ids[t]!))).toContain(`2 traders from ${market} already joined`);
    expect(reasons([])).not.toEqual(expect.arrayContaining([expect.stringMatching(/like you|already joined/)]));
  });
});
