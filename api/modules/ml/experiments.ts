// A/B test of the fusion weights. A trader's variant is a hash of their id: stable across requests,
// processes and restarts, with nothing stored. Outcomes come from the analytics store: the server's
// recommendation_shown events carry the variant, and the clicks and joins that follow one carry its
// recommendationId.

import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { HybridWeights } from '../../../ml/index.ts';
import type { Queryable } from '../../db/client.ts';

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
 * click on the same item, or the app's report of the server's click, is not a second success).
 * Rates are per impression.
 */
export async function experimentReport(db: Queryable): Promise<{ variants: VariantReport[] }> {
  const { rows } = (await db.execute(sql`
    select s.properties->>'variant' as variant, count(*)::int as shown, count(distinct s.user_id)::int as traders,
      count(*) filter (where exists (select 1 from analytics_events c where c.recommendation_id = s.event_id
        and c.type = 'recommendation_clicked' and c.user_id = s.user_id))::int as clicks,
      count(*) filter (where exists (select 1 from analytics_events j where j.recommendation_id = s.event_id
        and j.type = 'join' and j.source = 'server' and j.user_id = s.user_id))::int as joins
    from analytics_events s
    where s.recommendation_id is not null and s.type = 'recommendation_shown' and s.source = 'server'
    group by 1`)) as unknown as { rows: { variant: string | null; shown: number; traders: number; clicks: number; joins: number }[] };
  const get = (variant: string) => rows.find((r) => r.variant === variant);
  const names = [...new Set([...experiment.variants.map((v) => v.name), ...rows.flatMap((r) => (r.variant ? [r.variant] : []))])];
  return {
    variants: names.map((name) => {
      const { shown = 0, clicks = 0, joins = 0, traders = 0 } = get(name) ?? {};
      return {
        name,
        description: experiment.variants.find((v) => v.name === name)?.description ?? 'A variant of an earlier experiment.',
        traders,
        shown,
        clicks,
        joins,
        ctr: shown > 0 ? clicks / shown : 0,
        joinRate: shown > 0 ? joins / shown : 0,
      };
    }),
  };
}
