// Human reasons for a scored product, ordered by how much the matching component contributed.

import { tradesIn } from './coldstart.ts';
import { mostSimilarInHistory } from './content.ts';
import { categoryLabel, plural } from './format.ts';
import type { ScoredProduct, ScoringSession } from './scoring.ts';
import { rowOf } from './sparse.ts';
import { DAY_MS } from './time.ts';
import type { ComponentName } from './types.ts';

export interface Reason {
  text: string;
  /** The contribution this reason stands for; used to order reasons. */
  weight: number;
  component: ComponentName | 'inactivity' | 'diversity';
}

/** Traders in the given market who list the product's category and joined the product. */
export function marketJoiners(session: ScoringSession, product: number): { sameMarketCategory: number; total: number } {
  const { model } = session;
  if (product >= session.catalog.modelSize) return { sameMarketCategory: 0, total: 0 };
  const row = rowOf(model.derived.joinersByProduct, product);
  const category = session.catalog.categories[product] ?? '';
  const index = model.derived.similarity;
  const market = index.marketId.get(session.trader.profile.market) ?? -1;
  let count = 0;
  for (let q = 0; q < row.indices.length; q++) {
    const t = row.indices[q]!;
    if (t !== session.trader.index && tradesIn(index, t, category, market)) count++;
  }
  return { sameMarketCategory: count, total: row.indices.length };
}

function socialText(session: ScoringSession, product: number, joiners = marketJoiners(session, product)): string | null {
  const { sameMarketCategory } = joiners;
  if (sameMarketCategory === 0) return null;
  const market = session.trader.profile.market;
  const label = categoryLabel(session.catalog.categories[product] ?? '');
  return sameMarketCategory === 1
    ? `a trader in ${market} who buys ${label} joined this`
    : `${sameMarketCategory} traders in ${market} who buy ${label} joined this`;
}

function clusterText(session: ScoringSession): string {
  const label = session.model.clusters.labels[session.trader.cluster];
  if (label?.category && label.market) return `popular with ${categoryLabel(label.category)} buyers in ${label.market}`;
  if (label?.category) return `popular with traders who buy ${categoryLabel(label.category)}`;
  if (label?.market) return `popular with traders in ${label.market}`;
  return 'popular with traders like you';
}

export function productReasons(session: ScoringSession, scored: ScoredProduct): Reason[] {
  const { catalog, trader } = session;
  const j = scored.product;
  const c = scored.contributions;
  const reasons: Reason[] = [];
  const category = catalog.categories[j] ?? '';
  const label = categoryLabel(category);
  const prefers = trader.profile.categories.includes(category);
  const push = (component: Reason['component'], weight: number | undefined, text: string | null) => {
    if (text && weight !== undefined && weight > 1e-9) reasons.push({ text, weight, component });
  };

  if ((c.cf ?? 0) > 0.02) {
    const joiners = marketJoiners(session, j);
    const others = joiners.total - (trader.joined.has(j) && trader.index !== null ? 1 : 0);
    push('cf', c.cf, socialText(session, j, joiners) ?? (others > 0 ? 'traders with buying patterns like yours joined this' : 'fits your buying pattern'));
  }
  if ((c.neighbors ?? 0) > 0.02) {
    const neighbors = session.neighbors();
    const joinedIt = neighbors.filter((n) => {
      const row = rowOf(session.model.joined, n.trader);
      for (let q = 0; q < row.indices.length; q++) if (row.indices[q] === j) return true;
      return false;
    }).length;
    push(
      'neighbors',
      c.neighbors,
      socialText(session, j) ?? (joinedIt > 0 ? `${plural(joinedIt, 'trader')} with interests like yours joined this` : null),
    );
  }
  if ((c.content ?? 0) > 0.02) {
    let text: string | null = null;
    if (trader.joined.has(j)) text = 'you have bought this before';
    else {
      const v = catalog.vectors[j];
      const similar = v ? mostSimilarInHistory(v, trader.history, catalog.vectors, j) : null;
      if (similar && similar.similarity >= 0.3) {
        const verb = trader.joined.has(similar.product) ? 'bought' : 'looked at';
        text = `similar to ${catalog.names[similar.product]} you ${verb}`;
      } else if (prefers) text = `matches your interest in ${label}`;
    }
    push('content', c.content, text);
  }
  if ((c.category ?? 0) > 0) push('category', c.category, `matches your interest in ${label}`);
  if ((c.cluster ?? 0) > 0.02) push('cluster', c.cluster, clusterText(session));
  if ((c.popularity ?? 0) > 0.02) push('popularity', c.popularity, 'popular with traders right now');
  if ((c.newProduct ?? 0) > 0) {
    const days = Math.floor((session.now - (catalog.createdAt[j] ?? session.now)) / DAY_MS);
    push('newProduct', c.newProduct, days <= 0 ? 'new product, added today' : `new product, added ${plural(days, 'day')} ago`);
  }
  if (session.audience === 'returning' && session.inactivityShift > 0.05 && Number.isFinite(trader.lastActiveAt)) {
    const away = Math.floor((session.now - trader.lastActiveAt) / DAY_MS);
    push('inactivity', session.inactivityShift * 0.5, `welcome back after ${away} days: recent favourites rank higher`);
  }
  // One reason per text, strongest first.
  const seen = new Set<string>();
  return reasons
    .sort((a, b) => b.weight - a.weight)
    .filter((r) => (seen.has(r.text) ? false : (seen.add(r.text), true)));
}

/** Fallback so that no recommendation goes out without a reason. */
export function fallbackReason(session: ScoringSession, product: number): Reason {
  const label = categoryLabel(session.catalog.categories[product] ?? 'products');
  return { text: `a ${label} group open to you`, weight: 0, component: 'popularity' };
}
