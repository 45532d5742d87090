import { describe, expect, it } from 'vitest';
import { deserialize, generateSynthetic, recommend, train, trainInWorker } from '../../ml/index.ts';
import type { TrainingStage } from '../../ml/index.ts';

describe('trainInWorker', () => {
  it('trains in a worker thread, streams stages in order and returns the same model', async () => {
    const syn = generateSynthetic({ traders: 120, products: 60, groups: 30, seed: 5 });
    const params = { version: 'worker-test', clustering: { k: 3 }, evaluation: { holdoutFraction: 0.2 } };
    const events: { stage: TrainingStage; progress: number }[] = [];
    const serialized = await trainInWorker(syn.dataset, params, (stage, progress) => events.push({ stage, progress }));

    const order = events.map((e) => e.stage).filter((s, i, all) => all.indexOf(s) === i);
    expect(order).toEqual(['features', 'clustering', 'cf', 'content', 'popularity', 'evaluation']);
    // Once a stage is left it never comes back, and progress never goes down.
    const runs = events.map((e) => e.stage).filter((s, i, all) => i === 0 || all[i - 1] !== s);
    expect(runs).toEqual(order);
    for (let i = 1; i < events.length; i++) expect(events[i]!.progress).toBeGreaterThanOrEqual(events[i - 1]!.progress);
    expect(events[events.length - 1]!.progress).toBe(1);

    const model = deserialize(serialized);
    expect(model.meta.version).toBe('worker-test');
    expect(model.meta.metrics.holdout).not.toBeNull();
    const local = train(syn.dataset, params);
    const id = syn.dataset.traders[1]!.id;
    const opts = { marketCoordinates: syn.marketCoordinates };
    expect(recommend(model, { traderId: id }, syn.groups, opts)).toEqual(recommend(local, { traderId: id }, syn.groups, opts));
  });

  it('rejects when training fails', async () => {
    const syn = generateSynthetic({ traders: 20, products: 10, groups: 0, seed: 5 });
    await expect(trainInWorker(syn.dataset, { version: '' })).rejects.toThrow(/version is required/);
  });
});
