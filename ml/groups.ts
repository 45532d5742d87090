// Group scoring on top of product scores: which groups are eligible, and how budget fit, distance to
// the pickup point, urgency and who already joined adjust a product's score. A group scores
//   productScore × (w.product + w.budget·budget + w.distance·distance + w.urgency·urgency + w.social·social)
// so these facts move a relevant product up or down (by up to 45% with the default weights) but
// never make an irrelevant one look good.

import type { Reason } from './explain.ts';
import { formatMoney, plural } from './format.ts';
import { DAY_MS, toMillis } from './time.ts';
import type { TrainedModel } from './trained-model.ts';
import type { GeoPoint, Group, GroupWeights, MarketCoordinates, TraderProfile } from './types.ts';

export const DEFAULT_GROUP_WEIGHTS: GroupWeights = { product: 0.55, budget: 0.15, distance: 0.15, urgency: 0.1, social: 0.05 };

export type GroupEligibility = 'eligible' | 'joined' | 'full' | 'closed' | 'expired';

/**
 * Only open, unexpired, not-full groups the trader is not already in can be recommended.
 * `participating`, when the caller knows it, says whether the trader is among participantIds.
 */
export function groupEligibility(
  group: Group,
  traderId: string | null,
  joinedGroupIds: ReadonlySet<string>,
  now: number,
  participating?: boolean,
): GroupEligibility {
  if (group.status !== undefined && group.status !== 'open') return 'closed';
  if (toMillis(group.deadline) <= now) return 'expired';
  if (joinedGroupIds.has(group.id) || (participating ?? (traderId !== null && (group.participantIds ?? []).includes(traderId)))) return 'joined';
  if (group.maxQty !== null && group.committedQty >= group.maxQty) return 'full';
  return 'eligible';
}

const EARTH_RADIUS_KM = 6371;

export function haversineKm(a: GeoPoint, b: GeoPoint): number {
  return haversine(a.lat, a.lng, b.lat, b.lng);
}

function haversine(lat1: number, lng1: number, lat2: number, lng2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLng = (lng2 - lng1) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * 1 inside [min, max]; above max it falls linearly to 0 at twice the max; below min it is still
 * fairly good (a small order is easy to afford): 0.7 at zero cost rising to 1 at min.
 */
export function budgetFit(cost: number, min: number, max: number): number {
  if (cost > max) return max > 0 ? Math.max(0, 1 - (cost - max) / max) : 0;
  if (cost < min) return min > 0 ? 0.7 + (0.3 * cost) / min : 1;
  return 1;
}

/** exp(−km / scale): 1 at the trader's market, ~0.37 at one scale length. */
export function distanceSignal(km: number, scaleKm: number): number {
  return Math.exp(-km / scaleKm);
}

/**
 * Half time pressure (exp(−days / urgentDays)), half MOQ pressure ((committed / moq)² while below MOQ,
 * 0.3 once reached: still worth joining, no longer urgent).
 */
export function urgencySignal(closesInDays: number, moq: number, committedQty: number, urgentDays: number): number {
  const time = Math.exp(-Math.max(0, closesInDays) / urgentDays);
  const progress = moq > 0 ? committedQty / moq : 1;
  const moqPressure = progress >= 1 ? 0.3 : progress * progress;
  return 0.5 * time + 0.5 * moqPressure;
}

export function socialSignal(sameMarketParticipants: number, similarParticipants: number): number {
  return 1 - Math.exp(-(sameMarketParticipants + 2 * similarParticipants) / 3);
}

export interface GroupScoringContext {
  profile: TraderProfile;
  now: number;
  marketCoordinates: MarketCoordinates;
  weights: GroupWeights;
  distanceScaleKm: number;
  urgentDays: number;
}

/** Participants other than the trader: from the trader's market, and among their similar traders. */
export interface ParticipantCounts {
  sameMarket: number;
  similar: number;
}

/** A list of groups resolved against one model. */
export interface GroupTable {
  /** Each group's product as a model product index, -1 when the model does not know it. */
  product: Int32Array;
  /** Each group's participants as model trader indices; traders the model does not know are left out. */
  participants: Int32Array[];
}

// Per list of groups, per model: the same open groups are scored by every request until they are
// rebuilt, so their ids are resolved to model indices once, not on each request.
const groupTables = new WeakMap<readonly Group[], WeakMap<TrainedModel, GroupTable>>();

export function groupTable(model: TrainedModel, groups: readonly Group[]): GroupTable {
  let byModel = groupTables.get(groups);
  if (!byModel) groupTables.set(groups, (byModel = new WeakMap()));
  let table = byModel.get(model);
  if (!table) {
    const { traderIndex, productIndex } = model.derived;
    table = {
      product: Int32Array.from(groups, (g) => productIndex.get(g.productId) ?? -1),
      participants: groups.map((g) => {
        const known: number[] = [];
        for (const id of g.participantIds ?? []) {
          const t = traderIndex.get(id);
          if (t !== undefined) known.push(t);
        }
        return Int32Array.from(known);
      }),
    };
    byModel.set(model, table);
  }
  return table;
}

/**
 * Counts a group's participants (model indices) in the trader's market (a similarity-index market
 * id, -1 when unknown) and among their similar traders, leaving out the trader themself.
 */
export function countParticipants(
  participants: Int32Array,
  self: number | null,
  market: number,
  markets: Int32Array,
  similar: ReadonlySet<number>,
): ParticipantCounts {
  let sameMarket = 0;
  let similarCount = 0;
  for (let q = 0; q < participants.length; q++) {
    const t = participants[q]!;
    if (t === self) continue;
    if (markets[t] === market) sameMarket++;
    if (similar.has(t)) similarCount++;
  }
  return { sameMarket, similar: similarCount };
}

export interface GroupFacts {
  distanceKm: number | null;
  closesInDays: number;
  unitsToMoq: number;
  estimatedCost: number;
  typicalQuantity: number;
}

export interface GroupSignals {
  signals: { budget: number; distance: number; urgency: number; social: number };
  facts: GroupFacts;
  participants: ParticipantCounts;
}

function closesInText(days: number): string {
  if (days < 1) {
    const hours = Math.max(1, Math.ceil(days * 24));
    return `closes in ${plural(hours, 'hour')}`;
  }
  return `closes in ${plural(Math.round(days), 'day')}`;
}

/** What the caller knows of the trader and this group: their usual quantity of its product, and who is in. */
export interface GroupTraderFacts {
  typicalQuantity: number;
  participants: ParticipantCounts;
}

// Slots of a signal vector (writeGroupSignals): the four signals, then the facts behind them.
const BUDGET = 0;
const DISTANCE = 1;
const URGENCY = 2;
const SOCIAL = 3;
const KM = 4;
const CLOSES_IN_DAYS = 5;
const UNITS_TO_MOQ = 6;
const COST = 7;
const QUANTITY = 8;
export const SIGNAL_SLOTS = 9;

/**
 * A group's signals and the facts behind them, written into `out` (SIGNAL_SLOTS numbers; the
 * distance is NaN when a place is unknown). It allocates nothing and builds no text: it runs for
 * every open group on every request, and only the groups that are shown get objects and reasons
 * (groupSignals, groupReasons).
 */
export function writeGroupSignals(group: Group, known: GroupTraderFacts, ctx: GroupScoringContext, out: Float64Array): void {
  const profile = ctx.profile;

  // Budget: the cost of the trader's typical order at this group's price.
  const quantity = Math.max(1, known.typicalQuantity);
  const cost = group.unitPrice * quantity;
  const sameCurrency = (group.currency ?? 'USD') === (profile.currency ?? 'USD');
  out[BUDGET] = sameCurrency ? budgetFit(cost, profile.budgetMin, profile.budgetMax) : 0.5;
  out[COST] = cost;
  out[QUANTITY] = quantity;

  // Distance from the trader's market to the pickup point (the group's own, else its market's).
  const from = ctx.marketCoordinates[profile.market];
  const market = group.pickupLat !== undefined && group.pickupLng !== undefined ? undefined : ctx.marketCoordinates[group.pickupMarket];
  const toLat = market ? market.lat : group.pickupLat;
  const toLng = market ? market.lng : group.pickupLng;
  const km = from && toLat !== undefined && toLng !== undefined ? haversine(from.lat, from.lng, toLat, toLng) : Number.NaN;
  out[DISTANCE] = Number.isNaN(km) ? 0.5 : distanceSignal(km, ctx.distanceScaleKm);
  out[KM] = km;

  // Urgency: closing soon, close to MOQ.
  const closesInDays = (toMillis(group.deadline) - ctx.now) / DAY_MS;
  out[URGENCY] = urgencySignal(closesInDays, group.moq, group.committedQty, ctx.urgentDays);
  out[CLOSES_IN_DAYS] = closesInDays;
  out[UNITS_TO_MOQ] = Math.max(0, group.moq - group.committedQty);

  // Who is already in.
  out[SOCIAL] = socialSignal(known.participants.sameMarket, known.participants.similar);
}

/** w.product + Σ w_g · signal_g: a group scores its product's score times this. */
export function groupFactor(signals: Float64Array, w: GroupWeights): number {
  return w.product + w.budget * signals[BUDGET]! + w.distance * signals[DISTANCE]! + w.urgency * signals[URGENCY]! + w.social * signals[SOCIAL]!;
}

/** writeGroupSignals as objects, for a group that is shown. */
export function groupSignals(group: Group, known: GroupTraderFacts, ctx: GroupScoringContext): GroupSignals {
  const v = new Float64Array(SIGNAL_SLOTS);
  writeGroupSignals(group, known, ctx, v);
  return {
    signals: { budget: v[BUDGET]!, distance: v[DISTANCE]!, urgency: v[URGENCY]!, social: v[SOCIAL]! },
    facts: {
      distanceKm: Number.isNaN(v[KM]!) ? null : v[KM]!,
      closesInDays: v[CLOSES_IN_DAYS]!,
      unitsToMoq: v[UNITS_TO_MOQ]!,
      estimatedCost: v[COST]!,
      typicalQuantity: v[QUANTITY]!,
    },
    participants: known.participants,
  };
}

/** Reasons with weight = signal × the component's weight (× the product score gives the contribution). */
export function groupReasons(group: Group, gs: GroupSignals, ctx: Pick<GroupScoringContext, 'profile' | 'weights' | 'urgentDays'>): Reason[] {
  const w = ctx.weights;
  const profile = ctx.profile;
  const { budget, distance, urgency, social } = gs.signals;
  const { distanceKm: km, closesInDays, unitsToMoq, estimatedCost: cost, typicalQuantity: quantity } = gs.facts;
  const reasons: Reason[] = [];

  const sameCurrency = (group.currency ?? 'USD') === (profile.currency ?? 'USD');
  const range = `${formatMoney(profile.budgetMin, profile.currency)}-${formatMoney(profile.budgetMax, profile.currency)}`;
  if (sameCurrency && cost >= profile.budgetMin && cost <= profile.budgetMax) {
    reasons.push({ text: `fits your ${range} budget`, weight: w.budget * budget, component: 'budget' });
  } else if (sameCurrency && cost > profile.budgetMax) {
    reasons.push({
      text: `${formatMoney(cost, group.currency)} for ${plural(quantity, 'unit')}, above your ${range} budget`,
      weight: w.budget * budget,
      component: 'budget',
    });
  }

  if (km !== null) {
    const text =
      group.pickupMarket === profile.market && km < 1
        ? `pickup at your market (${profile.market})`
        : `${km.toFixed(1)} km from your market`;
    reasons.push({ text, weight: w.distance * distance, component: 'distance' });
  }

  const uw = w.urgency * urgency;
  if (unitsToMoq > 0 && unitsToMoq <= Math.max(3, Math.ceil(group.moq * 0.25))) {
    reasons.push({ text: `${plural(unitsToMoq, 'unit')} to MOQ`, weight: uw, component: 'urgency' });
  } else if (unitsToMoq === 0) {
    reasons.push({ text: 'MOQ reached: this order goes ahead', weight: uw * 0.5, component: 'urgency' });
  }
  if (closesInDays <= ctx.urgentDays) reasons.push({ text: closesInText(closesInDays), weight: uw * 0.9, component: 'urgency' });
  if (group.maxQty !== null) {
    const left = group.maxQty - group.committedQty;
    if (left > 0 && left <= Math.max(quantity, 5)) reasons.push({ text: `only ${plural(left, 'unit')} left`, weight: uw * 0.8, component: 'urgency' });
  }

  const { sameMarket, similar } = gs.participants;
  if (similar > 0) {
    reasons.push({ text: `${plural(similar, 'trader')} like you ${similar === 1 ? 'is' : 'are'} in this group`, weight: w.social * social, component: 'social' });
  } else if (sameMarket > 0) {
    reasons.push({ text: `${plural(sameMarket, 'trader')} from ${profile.market} already joined`, weight: w.social * social, component: 'social' });
  }
  return reasons;
}
