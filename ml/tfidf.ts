// TF-IDF vectors of products from their name, description and category.

import { sparseDot, sparseNorm, type SparseVector } from './sparse.ts';

/** A small English stopword list; product text is short, so only the commonest words go. */
export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    'a an and are as at be but by for from has have in into is it its of on or our per so such than that the ' +
    'their them then there these they this to was were will with without you your each every all any more most ' +
    'other some very can just only also over under up down out off'
  ).split(' '),
);

/** Lower-cases, strips accents and punctuation, drops stopwords, pure numbers and one-letter tokens. */
export function tokenize(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .split(' ')
    .filter((t) => t.length > 1 && !/^\d+$/.test(t) && !STOPWORDS.has(t));
}

export interface TfidfDocument {
  name: string;
  description: string;
  category: string;
}

export interface FieldWeights {
  name: number;
  description: number;
  category: number;
}

export const DEFAULT_FIELD_WEIGHTS: FieldWeights = { name: 2, description: 1, category: 2 };

export interface TfidfOptions {
  /** Term frequency = Σ over fields of field weight × occurrences in that field. */
  fieldWeights?: FieldWeights;
  /** Terms in fewer documents than this are dropped. */
  minDf?: number;
}

export interface TfidfModel {
  vocabulary: string[];
  /** Smoothed idf: ln((1 + N) / (1 + df)) + 1. */
  idf: Float64Array;
  /** One L2-normalized vector per document. */
  vectors: SparseVector[];
  fieldWeights: FieldWeights;
  /** Derived from vocabulary. */
  vocabIndex: Map<string, number>;
}

function termCounts(doc: TfidfDocument, fw: FieldWeights): Map<string, number> {
  const tf = new Map<string, number>();
  const add = (text: string, weight: number) => {
    if (weight <= 0) return;
    for (const t of tokenize(text)) tf.set(t, (tf.get(t) ?? 0) + weight);
  };
  add(doc.name, fw.name);
  add(doc.description, fw.description);
  add(doc.category, fw.category);
  return tf;
}

export function fitTfidf(docs: readonly TfidfDocument[], options: TfidfOptions = {}): TfidfModel {
  const fieldWeights = options.fieldWeights ?? DEFAULT_FIELD_WEIGHTS;
  const minDf = options.minDf ?? 1;
  const counts = docs.map((d) => termCounts(d, fieldWeights));
  const df = new Map<string, number>();
  for (const tf of counts) for (const t of tf.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  const vocabulary = [...df.entries()]
    .filter(([, n]) => n >= minDf)
    .map(([t]) => t)
    .sort();
  const vocabIndex = new Map(vocabulary.map((t, i) => [t, i]));
  const n = docs.length;
  const idf = new Float64Array(vocabulary.length);
  vocabulary.forEach((t, i) => {
    idf[i] = Math.log((1 + n) / (1 + (df.get(t) ?? 0))) + 1;
  });
  const model: TfidfModel = { vocabulary, idf, vectors: [], fieldWeights, vocabIndex };
  model.vectors = counts.map((tf) => weigh(model, tf));
  return model;
}

function weigh(model: TfidfModel, tf: Map<string, number>): SparseVector {
  const entries: [number, number][] = [];
  for (const [t, count] of tf) {
    const i = model.vocabIndex.get(t);
    if (i !== undefined) entries.push([i, count * (model.idf[i] as number)]);
  }
  entries.sort((a, b) => a[0] - b[0]);
  return normalize({
    indices: Int32Array.from(entries, (e) => e[0]),
    values: Float64Array.from(entries, (e) => e[1]),
  });
}

/** Vector of a document that was not in the training set (terms outside the vocabulary are dropped). */
export function transformTfidf(model: TfidfModel, doc: TfidfDocument): SparseVector {
  return weigh(model, termCounts(doc, model.fieldWeights));
}

/** Vector of free text (e.g. a trader's preferred category names). */
export function textVector(model: TfidfModel, text: string): SparseVector {
  const tf = new Map<string, number>();
  for (const t of tokenize(text)) tf.set(t, (tf.get(t) ?? 0) + 1);
  return weigh(model, tf);
}

export function normalize(v: SparseVector): SparseVector {
  const n = sparseNorm(v);
  if (n === 0) return v;
  const values = new Float64Array(v.values.length);
  for (let i = 0; i < values.length; i++) values[i] = v.values[i]! / n;
  return { indices: v.indices, values };
}

export function cosine(a: SparseVector, b: SparseVector): number {
  const na = sparseNorm(a);
  const nb = sparseNorm(b);
  return na === 0 || nb === 0 ? 0 : sparseDot(a, b) / (na * nb);
}

export function buildVocabIndex(vocabulary: readonly string[]): Map<string, number> {
  return new Map(vocabulary.map((t, i) => [t, i]));
}
