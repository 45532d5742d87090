import { describe, expect, it } from 'vitest';
import {
  averagePrecisionAtK,
  catalogCoverage,
  evaluateModel,
  ndcgAtK,
  precisionAtK,
  recallAtK,
  temporalSplit,
  topK,
} from '../../ml/evaluate.ts';
import { generateSynthetic, train } from '../../ml/index.ts';

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
});
