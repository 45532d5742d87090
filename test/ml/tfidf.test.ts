import { describe, expect, it } from 'vitest';
import { cosine, fitTfidf, textVector, tokenize, transformTfidf } from '../../ml/tfidf.ts';

describe('tokenize', () => {
  it('lower-cases, strips punctuation and accents, drops stopwords, numbers and single letters', () => {
    expect(tokenize('The BEST Sunflower-Oil, 2 L (for Frying!) — café')).toEqual(['best', 'sunflower', 'oil', 'frying', 'cafe']);
  });
});

describe('fitTfidf', () => {
  // Three documents, every field weighted 1, so term frequency is the raw count over the fields:
  //   d1 "Brown sugar" / "Brown sugar." / sugar        → brown 2, sugar 3
  //   d2 "White sugar" / "Refined."     / sugar        → white 1, sugar 2, refined 1
  //   d3 "Cooking oil" / "Refined oil!" / cooking-oil  → cooking 2, oil 3, refined 1
  // N = 3; df: brown 1, white 1, cooking 1, oil 1, sugar 2, refined 2.
  // idf = ln((1 + N) / (1 + df)) + 1:  df 1 → ln(4/2) + 1 = 1.693147,  df 2 → ln(4/3) + 1 = 1.287682
  // d1 raw: brown 2 × 1.693147 = 3.386294, sugar 3 × 1.287682 = 3.863046
  //    norm = √(3.386294² + 3.863046²) = √(11.467 + 14.923) = 5.137135
  //    → brown 0.659181, sugar 0.751985
  // d2 raw: white 1.693147, sugar 2.575364, refined 1.287682; norm = √(2.866747 + 6.632500 + 1.658125) = 3.340251
  //    → white 0.506892, sugar 0.771010, refined 0.385504
  // cos(d1, d2) = 0.751985 × 0.771010 = 0.579788 (sugar is the only shared term)
  const docs = [
    { name: 'Brown sugar', description: 'Brown sugar.', category: 'sugar' },
    { name: 'White sugar', description: 'Refined.', category: 'sugar' },
    { name: 'Cooking oil', description: 'Refined oil!', category: 'cooking-oil' },
  ];
  const model = fitTfidf(docs, { fieldWeights: { name: 1, description: 1, category: 1 } });
  const weightOf = (doc: number, term: string) => {
    const v = model.vectors[doc]!;
    const i = model.vocabIndex.get(term)!;
    const at = [...v.indices].indexOf(i);
    return at < 0 ? 0 : v.values[at]!;
  };

  it('computes smoothed idf', () => {
    expect(model.vocabulary).toEqual(['brown', 'cooking', 'oil', 'refined', 'sugar', 'white']);
    expect(model.idf[model.vocabIndex.get('brown')!]).toBeCloseTo(1.693147, 6);
    expect(model.idf[model.vocabIndex.get('sugar')!]).toBeCloseTo(1.287682, 6);
  });

  it('gives the hand-computed L2-normalized weights', () => {
    expect(weightOf(0, 'brown')).toBeCloseTo(0.659181, 5);
    expect(weightOf(0, 'sugar')).toBeCloseTo(0.751985, 5);
    expect(weightOf(0, 'oil')).toBe(0);
    expect(weightOf(1, 'white')).toBeCloseTo(0.506892, 5);
    expect(weightOf(1, 'sugar')).toBeCloseTo(0.77101, 5);
    expect(weightOf(1, 'refined')).toBeCloseTo(0.385504, 5);
  });

  it('cosine similarity is the dot product of the shared terms', () => {
    expect(cosine(model.vectors[0]!, model.vectors[1]!)).toBeCloseTo(0.579788, 5);
    expect(cosine(model.vectors[0]!, model.vectors[2]!)).toBe(0);
    expect(cosine(model.vectors[2]!, model.vectors[2]!)).toBeCloseTo(1, 12);
  });

  it('weights fields: by default name and category count twice', () => {
    const weighted = fitTfidf([{ name: 'oil', description: 'drum', category: 'x' }, { name: 'rice', description: 'bag', category: 'y' }]);
    const v = weighted.vectors[0]!;
    const oil = v.values[[...v.indices].indexOf(weighted.vocabIndex.get('oil')!)]!;
    const drum = v.values[[...v.indices].indexOf(weighted.vocabIndex.get('drum')!)]!;
    expect(oil / drum).toBeCloseTo(2, 10);
  });

  it('vectorizes unseen text with the fitted vocabulary', () => {
    const v = transformTfidf(model, { name: 'Brown rice', description: '', category: 'rice' });
    expect([...v.indices]).toEqual([model.vocabIndex.get('brown')]);
    expect(textVector(model, 'cooking-oil').indices.length).toBe(2);
  });
});
