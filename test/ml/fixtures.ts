// Small synthetic data and a model trained on it, shared by the ml tests (memoized per worker).

import { generateSynthetic, train, type SyntheticData, type TrainedModel } from '../../ml/index.ts';

let data: SyntheticData | null = null;
let model: TrainedModel | null = null;

export function smallData(): SyntheticData {
  return (data ??= generateSynthetic({ traders: 400, products: 150, groups: 120, seed: 3 }));
}

export function smallModel(): TrainedModel {
  return (model ??= train(smallData().dataset, { version: 'test-1', evaluation: false, clustering: { kMax: 6 } }));
}
