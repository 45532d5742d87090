import { describe, expect, it } from 'vitest';
import {
  averagePrecisionAtK,
  catalogCoverage,
  evaluateModel,
  ndcgAtK,
  precisionAtK,
  recallAtK,
  scoreLists,
  temporalSplit,
  topK,
} from '../../ml/evaluate.ts';
import { generateSynthetic, train } from '../../ml/index.ts';
import { retailDataset } from './retail.ts';

describe('ranking metrics', () => {
  // ranked: a b c d e, relevant {a, c, x}
  const ranked = ['a', 'b', 'c', 'd', 'e'];
  const relevant = new Set(['a', 'c', 'x']);

  it('precision, recall, NDCG and AP at k match hand computation', () => {
    expect(precisionAtK(ranked, relevant, 5)).toBe(2 / 5);
    expect(recallAtK(ranked, relevant, 5)).toBe(2 / 3);
    // DCG = 1/log2(2) + 1/log2(4) = 1.5; IDCG = 1 + 1/log2(3) + 1/log2(4) = 2.130930
    expect(ndcgAtK(ranked, relevant, 5)).toBeCloseTo(1.5 / (1 + 1 / Math.log2(3) + 0.5), 12);
    // AP@5 = (P@1 + P@3) / min(3, 5) = (1 + 2/3) / 3
    expect(averagePrecisionAtK(ranked, relevant, 5)).toBeCloseTo((1 + 2 / 3) / 3, 12);
    expect(catalogCoverage([['a', 'b'], ['b', 'c']], 10)).toBe(0.3);
  });

  it('topK keeps the k best in order', () => {
    expect(topK([0.1, 0.9, 0.5, 0.9, 0.3], [0, 1, 2, 3, 4], 3)).toEqual([1, 3, 2]);
  });
});

describe('temporal hold-out', () => {
  const syn = generateSynthetic({ traders: 400, products: 150, groups: 0, seed: 21 });
  const split = temporalSplit(syn.dataset, { holdoutFraction: 0.2 });

  it('holds out the latest interactions', () => {
    expect(split.train.interactions.every((i) => +new Date(i.at) < split.cutoff)).toBe(true);
    expect(split.trainInteractions + split.testInteractions).toBe(syn.dataset.interactions.length);
    expect(split.testInteractions / syn.dataset.interactions.length).toBeCloseTo(0.2, 2);
    expect(+new Date(split.train.now)).toBe(split.cutoff);
  });

  it('the hybrid beats the popularity baseline on planted data (NDCG@10 and precision@10)', () => {
    const model = train(split.train, { version: 'eval', evaluation: false, clustering: { k: 4 } });
    const report = evaluateModel(model, split, { k: 10 });
    const { hybrid, popularity, cf, content } = report.components;
    expect(report.tradersEvaluated).toBeGreaterThan(50);
    expect(hybrid.ndcg).toBeGreaterThan(1.5 * popularity.ndcg);
    expect(hybrid.precision).toBeGreaterThan(1.5 * popularity.precision);
    expect(hybrid.ndcg).toBeGreaterThanOrEqual(Math.max(cf.ndcg, content.ndcg) * 0.95);
    expect(hybrid.coverage).toBeGreaterThan(popularity.coverage);
    expect(report.liftOverPopularity.hybrid.ndcg!).toBeGreaterThan(1.5);
  });

  it('returns the ranked lists it scored, and counts cold-start traders apart from returning ones', () => {
    const model = train(split.train, { version: 'eval', evaluation: false, clustering: { k: 4 } });
    const report = evaluateModel(model, split, { k: 10 });
    expect(report.lists).toHaveLength(report.tradersEvaluated);
    // Anyone can re-score the lists and get the same figures.
    const again = scoreLists(report.lists, 10, model.products.ids.length);
    for (const r of ['popularity', 'cf', 'content', 'itemKnn', 'hybrid'] as const) {
      expect(again[r].ndcg).toBeCloseTo(report.components[r].ndcg, 12);
      expect(again[r].recall).toBeCloseTo(report.components[r].recall, 12);
      expect(again[r].coverage).toBe(report.components[r].coverage);
    }
    for (const l of report.lists) for (const ranked of Object.values(l.ranked)) expect(ranked.length).toBe(10);
    // Cold start = no interaction before the cutoff: checked against the split itself.
    const before = new Set(split.train.interactions.map((i) => i.traderId));
    expect(report.traders.coldStart + report.traders.returning).toBe(report.tradersEvaluated);
    for (const l of report.lists) expect(l.audience).toBe(before.has(l.traderId) ? 'returning' : 'new');
    expect(report.traders.coldStart).toBe(report.lists.filter((l) => !before.has(l.traderId)).length);
  });

  it("splits the hold-out by the hybrid's route: new traders take the similarity path, and the paths add up to the whole", () => {
    const model = train(split.train, { version: 'eval', evaluation: false, clustering: { k: 4 } });
    const report = evaluateModel(model, split, { k: 10 });
    const { personalized, similarity } = report.byPath;
    expect(personalized.traders).toBeGreaterThan(0);
    expect(similarity.traders).toBeGreaterThan(0);
    expect(personalized.traders + similarity.traders).toBe(report.tradersEvaluated);
    for (const l of report.lists) if (l.audience === 'new') expect(l.path).toBe('similarity');
    for (const r of ['popularity', 'content', 'hybrid'] as const) {
      const weighted = (personalized.ndcg[r] * personalized.traders + similarity.ndcg[r] * similarity.traders) / report.tradersEvaluated;
      expect(weighted).toBeCloseTo(report.components[r].ndcg, 12);
    }
  });

  it('switches adjustments off to measure without them, and on (diversity) to measure what is served', () => {
    const model = train(split.train, { version: 'eval', evaluation: false, clustering: { k: 4 } });
    const plain = evaluateModel(model, split, { k: 9, adjustments: { newProductBonus: false, inactivityShift: false } });
    expect(plain.adjustments).toEqual({ newProductBonus: false, diversity: false, inactivityShift: false });
    const diverse = evaluateModel(model, split, { k: 9, adjustments: { diversity: true } });
    const category = new Map(syn.dataset.products.map((p) => [p.id, p.category]));
    for (const l of diverse.lists) {
      const counts = new Map<string, number>();
      for (const id of l.ranked.hybrid) counts.set(category.get(id)!, (counts.get(category.get(id)!) ?? 0) + 1);
      expect(Math.max(...counts.values())).toBeLessThanOrEqual(3); // ceil(9 / 3)
    }
    // The components alone do not depend on the adjustments.
    expect(diverse.components.cf).toEqual(evaluateModel(model, split, { k: 9 }).components.cf);
  });
});

describe('on retail-shaped transactions (customers × items, dates, quantities, a long tail bought once, bulk buyers)', () => {
  const data = retailDataset({ customers: 600, items: 1800 });
  const model = train(data, { version: 'retail' });
  const h = model.meta.metrics.holdout!;
  const fusion = model.meta.metrics.fusion!;

  it('has the shape: many items bought once, a tenth of the customers buying by the dozen', () => {
    const perItem = new Map<string, number>();
    for (const i of data.interactions) perItem.set(i.productId, (perItem.get(i.productId) ?? 0) + 1);
    expect([...perItem.values()].filter((n) => n === 1).length / perItem.size).toBeGreaterThan(0.15);
    expect(data.interactions.some((i) => (i.quantity ?? 0) >= 100)).toBe(true);
  });

  it('tunes the fusion on a validation split before the test split, and the hybrid is at least as good as its best component on the hold-out', () => {
    expect(fusion.validation).not.toBeNull();
    expect(+new Date(fusion.validation!.cutoff)).toBeLessThan(+new Date(h.cutoff));
    expect(fusion.validation!.bestNdcg).toBeGreaterThanOrEqual(fusion.validation!.defaultNdcg);
    expect(model.params.hybrid).toEqual(fusion.weights); // what is served is what was chosen
    expect(model.params.coldStart.weights).toEqual(fusion.coldStart!.weights);
    const best = Math.max(h.components.cf.ndcg, h.components.content.ndcg, h.components.itemKnn.ndcg, h.components.popularity.ndcg);
    expect(fusion.bestComponent!.ndcg).toBe(best);
    expect(h.components.hybrid.ndcg).toBeGreaterThanOrEqual(best);
    expect(fusion.verdict).toMatch(/at least as good as its best component/);
    // And far above popularity on this data, as item kNN is.
    expect(h.components.hybrid.ndcg).toBeGreaterThan(3 * h.components.popularity.ndcg);
    expect(h.components.itemKnn.ndcg).toBeGreaterThan(3 * h.components.popularity.ndcg);
  });
});
