import { describe, expect, it } from 'vitest';
import { deserialize, generateSynthetic, InteractionPacker, packDataset, recommend, train, trainInWorker, unpackInteractions } from '../../ml/index.ts';
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

  it('trains on a packed dataset as on the plain one, and leaves the caller its columns to train again', async () => {
    const syn = generateSynthetic({ traders: 80, products: 40, groups: 10, seed: 9 });
    const params = { version: 'packed-test', clustering: { k: 3 }, evaluation: { holdoutFraction: 0.2 } };
    const packed = packDataset(syn.dataset);
    const first = await trainInWorker(packed, params);
    expect(packed.interactions.at.length).toBe(syn.dataset.interactions.length);
    const again = await trainInWorker(packed, params);
    const plain = await trainInWorker(syn.dataset, params);
    // Trained-at differs between runs; everything learned is the same.
    const learned = (m: typeof first) => ({ ...m, meta: { ...m.meta, trainedAt: null, metrics: { ...m.meta.metrics, timingsMs: null } } });
    expect(learned(again)).toEqual(learned(first));
    expect(learned(plain)).toEqual(learned(first));
  });
});

describe('packed interactions', () => {
  it('round-trip through columns that grow past their first size, ids coded in dataset order', () => {
    const syn = generateSynthetic({ traders: 120, products: 30, groups: 0, seed: 3 });
    expect(syn.dataset.interactions.length).toBeGreaterThan(2048);
    const packed = packDataset(syn.dataset).interactions;
    expect(packed.traderIds.slice(0, syn.dataset.traders.length)).toEqual(syn.dataset.traders.map((t) => t.id));
    expect(packed.productIds.slice(0, syn.dataset.products.length)).toEqual(syn.dataset.products.map((p) => p.id));
    const millis = (t: string | number | Date) => new Date(t).getTime();
    expect(unpackInteractions(packed)).toEqual(syn.dataset.interactions.map((it) => ({ ...it, at: millis(it.at) })));
  });

  it('keep a quantity only where one was given, and an unknown kind as unknown', () => {
    const packer = new InteractionPacker(['t1'], ['p1']);
    packer.add({ traderId: 't2', productId: 'p1', kind: 'paid', at: '2026-11-01T10:00:00Z', quantity: 4 });
    packer.add({ traderId: 't1', productId: 'p2', kind: 'view', at: 1_700_000_000_000 });
    packer.add({ traderId: 't1', productId: 'p1', kind: 'shared' as never, at: 1_700_000_000_001 });
    const packed = packer.finish();
    expect(packed.traderIds).toEqual(['t1', 't2']);
    expect(packed.productIds).toEqual(['p1', 'p2']);
    expect(unpackInteractions(packed)).toEqual([
      { traderId: 't2', productId: 'p1', kind: 'paid', at: Date.parse('2026-11-01T10:00:00Z'), quantity: 4 },
      { traderId: 't1', productId: 'p2', kind: 'view', at: 1_700_000_000_000 },
      { traderId: 't1', productId: 'p1', kind: 'unknown', at: 1_700_000_000_001 },
    ]);
  });
});
