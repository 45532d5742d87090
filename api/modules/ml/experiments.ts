// A/B test of the fusion weights. A trader's variant is a hash of their id: stable across requests,
// processes and restarts, with nothing stored. Outcomes come from interaction_events (shown rows
// carry the variant; clicks and joins carry the recommendationId of the shown row they follow).

import { createHash } from 'node:crypto';
import { and, isNotNull, sql } from 'drizzle-orm';
import type { HybridWeights } from '../../../ml/index.ts';
import type { Queryable } from '../../db/client.ts';
import { interactionEvents } from '../../db/schema.ts';

export interface Variant {
  name: string;
  description: string;
  /** Passed to recommend() as hybridWeights; undefined = the model's own (0.6 / 0.3 / 0.1 by default). */
  hybridWeights: HybridWeights | undefined;
}

/**
 * The experiment's name salts the hash, so a new experiment reshuffles traders instead of giving
 * the same half the treatment again. Give new variants new names: old events keep theirs.
 * Only the personalized path fuses CF, content and popularity; traders on the cold-start path see
 * the same ranking in both variants.
 */
export const experiment = {
  name: 'fusion-weights-1',
  variants: [
    { name: 'A', description: 'Control: the model\'s fusion weights (tuned on a validation split at training; CF 0.6, content 0.3, popularity 0.1 when the default wins).', hybridWeights: undefined },
    { name: 'B', description: 'More content and popularity: CF 0.4, content 0.4, popularity 0.2.', hybridWeights: { cf: 0.4, content: 0.4, itemKnn: 0, popularity: 0.2 } },
  ] as const satisfies readonly Variant[],
};

export function variantFor(traderId: string): Variant {
  const h = createHash('sha256').update(`${experiment.name}:${traderId}`).digest();
  return experiment.variants[h.readUInt32BE(0) % experiment.variants.length]!;
}

export interface VariantReport {
  name: string;
  description: string;
  traders: number;
  shown: number;
  clicks: number;
  joins: number;
  ctr: number;
  joinRate: number;
}

/**
 * Per variant: impressions, and the distinct recommendations that were clicked or joined (a second
 * click on the same item is not a second success). Rates are per impression.
 */
export async function experimentReport(db: Queryable): Promise<{ variants: VariantReport[] }> {
  const rows = await db
    .select({
      variant: interactionEvents.variant,
      kind: interactionEvents.kind,
      events: sql<number>`count(*)::int`,
      recommendations: sql<number>`count(distinct ${interactionEvents.recommendationId})::int`,
      traders: sql<number>`count(distinct ${interactionEvents.traderId})::int`,
    })
    .from(interactionEvents)
    .where(and(isNotNull(interactionEvents.variant), isNotNull(interactionEvents.recommendationId)))
    .groupBy(interactionEvents.variant, interactionEvents.kind);
  const get = (variant: string, kind: string) => rows.find((r) => r.variant === variant && r.kind === kind);
  const names = [...new Set([...experiment.variants.map((v) => v.name), ...rows.map((r) => r.variant!)])];
  return {
    variants: names.map((name) => {
      const shown = get(name, 'shown')?.events ?? 0;
      const clicks = get(name, 'click')?.recommendations ?? 0;
      const joins = get(name, 'join')?.recommendations ?? 0;
      return {
        name,
        description: experiment.variants.find((v) => v.name === name)?.description ?? 'A variant of an earlier experiment.',
        traders: get(name, 'shown')?.traders ?? 0,
        shown,
        clicks,
        joins,
        ctr: shown > 0 ? clicks / shown : 0,
        joinRate: shown > 0 ? joins / shown : 0,
      };
    }),
  };
}
