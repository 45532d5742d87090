// cs ml and cs recs against a real server on the Harare demo data (60 traders with a purchase history).
// Each command is a real `cs` process; sessions are written into config dirs (see market.ts).
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAdminEmail, demoPassword, seedDemoData } from '../../api/seed/demo.ts';
import { liveServer } from '../helpers/app.ts';
import { bearer, type Session } from '../helpers/users.ts';
import { cliAs } from './market.ts';

// Each step spawns the CLI (about a second under tsx, more on a busy machine) and may train a model.
const slow = 120_000;

let app: FastifyInstance;
let url: string;
let admin: Session;
let trader: Session;

async function login(email: string): Promise<Session> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: demoPassword } });
  if (res.statusCode !== 200) throw new Error(`login ${email}: ${res.statusCode} ${res.body}`);
  return res.json() as Session;
}

beforeAll(async () => {
  ({ app, url } = await liveServer());
  await seedDemoData(app.ctx.db, { traders: 60 });
  admin = await login(demoAdminEmail);
  const users = await app.inject({ url: '/api/admin/users?role=trader&limit=1', headers: bearer(admin.accessToken) });
  trader = await login((users.json() as { items: { email: string }[] }).items[0]!.email);
});
afterAll(async () => {
  await app.close();
});

const stageLine = /^\[\s*\d{1,3}%\] (features|clustering|cf|content|popularity|evaluation|saving)$/;

describe('cs ml and cs recs', { timeout: slow }, () => {
  let firstVersion: string;

  it('`cs ml train --json` follows the run and prints it once it has succeeded', async () => {
    const res = await cliAs(url, admin)(['ml', 'train', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const run = JSON.parse(res.stdout);
    expect(run).toMatchObject({ status: 'succeeded', trigger: 'manual', progress: 1, activated: true, error: null });
    expect(run.modelVersion).toMatch(/^v\d{8}-\d{6}-[0-9a-f]{4}$/);
    expect(run.metrics.holdout.components.hybrid.ndcg).toBeGreaterThan(0);
    firstVersion = run.modelVersion;
  });

  it('`cs ml train` without a terminal prints a line per stage, then the metrics and whether it was activated', async () => {
    const res = await cliAs(url, admin)(['ml', 'train', '--activate', 'never']);
    expect(res.code, res.stderr).toBe(0);
    const lines = res.stdout.split('\n');
    expect(lines[0]).toMatch(/^Training started: run [0-9a-f-]{36} \(activate never\)$/);
    const stages = lines.filter((l) => stageLine.test(l));
    expect(stages.length, res.stdout).toBeGreaterThanOrEqual(1);
    const percents = stages.map((l) => Number(/(\d+)%/.exec(l)![1]));
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(res.stdout).toMatch(/^✓ Trained (v\d{8}-\d{6}-[0-9a-f]{4}) in [\d.]+(s| ms)$/m);
    expect(res.stdout).toMatch(/^HOLD-OUT\s+HYBRID\s+POPULARITY$/m);
    expect(res.stdout).toMatch(/^NDCG@10\s+\d\.\d{3}\s+\d\.\d{3}$/m);
    expect(res.stdout).toMatch(/^coverage\s+\d\.\d{3}\s+\d\.\d{3}$/m);
    expect(res.stdout).toMatch(/^Segments\s+K = \d+, silhouette -?\d\.\d{3}$/m);
    expect(res.stdout).toMatch(/^Activated\s+no \(--activate never\)$/m);
    // No live view or escape codes off a terminal.
    expect(res.stdout + res.stderr).not.toMatch(/\x1b\[/);
    expect(res.stderr).toContain('Serve it anyway with: cs ml models activate v');
  });

  it('models list --json, health, and recs as a table and as JSON; a trader may not train (exit 3)', async () => {
    const cs = cliAs(url, admin);
    const email = trader.user.email;
    const [models, health, table, json, refused] = await Promise.all([
      cs(['ml', 'models', 'list', '--json']),
      cs(['ml', 'health']),
      cs(['recs', email, '--limit', '5']),
      cs(['recs', email, '--limit', '5', '--json']),
      cliAs(url, trader)(['ml', 'train']),
    ]);

    expect(models.code, models.stderr).toBe(0);
    const items = JSON.parse(models.stdout).items as { version: string; active: boolean }[];
    expect(items).toHaveLength(2);
    expect(items.filter((m) => m.active).map((m) => m.version)).toEqual([firstVersion]);

    expect(health.code, health.stderr).toBe(0);
    expect(health.stdout).toMatch(/^Status\s+ok$/m);
    expect(health.stdout).toMatch(new RegExp(`^Active version\\s+${firstVersion}$`, 'm'));
    expect(health.stdout).toMatch(/^New interactions\s+\d+ since training \(retrain at 200\)$/m);

    expect(json.code, json.stderr).toBe(0);
    const list = JSON.parse(json.stdout);
    expect(list).toMatchObject({ modelVersion: firstVersion, variant: expect.any(String) });
    expect(list.items.length).toBeGreaterThan(0);
    expect(list.items[0].group).toMatchObject({ id: expect.any(String), title: expect.any(String), pickupPoints: expect.any(Array) });

    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^RANK\s+GROUP\s+ID\s+SCORE\s+TOP REASONS$/);
    expect(lines).toHaveLength(list.items.length + 1);
    list.items.forEach((item: { rank: number; score: number; group: { id: string; title: string }; explanation: { reasons: string[] } }, i: number) => {
      const row = lines[i + 1]!;
      expect(row.startsWith(`${item.rank} `)).toBe(true);
      expect(row).toContain(item.group.title);
      expect(row).toContain(item.group.id.slice(0, 8));
      expect(row).toContain(item.score.toFixed(3));
      expect(row).toContain(item.explanation.reasons[0]!);
    });
    expect(table.stderr).toContain(`${email} · ${list.items.length} groups · model ${firstVersion} · variant ${list.variant}`);

    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/^Error: Forbidden/);
  });

  it('`cs ml evaluate` shows each ranker, item kNN included, the hybrid on each of its paths, and why it serves what it serves', async () => {
    const cs = cliAs(url, admin);
    const json = await cs(['ml', 'evaluate', '--k', '5', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const m = JSON.parse(json.stdout).metrics;
    expect(m.itemKnn).toEqual({ precision: expect.any(Number), recall: expect.any(Number), ndcg: expect.any(Number), map: expect.any(Number), coverage: expect.any(Number) });
    expect(m.byPath.personalized.traders + m.byPath.similarity.traders).toBe(m.holdout.tradersEvaluated);
    expect(m.holdout.traders.coldStart + m.holdout.traders.returning).toBe(m.holdout.tradersEvaluated);
    expect(m.verdict).toMatch(/^the hybrid /);

    const table = await cs(['ml', 'evaluate', '--k', '5']);
    expect(table.code, table.stderr).toBe(0);
    for (const ranker of ['hybrid', 'cf', 'content', 'itemKnn', 'popularity']) expect(table.stdout).toMatch(new RegExp(`^${ranker}\\s+\\d\\.\\d{3}`, 'm'));
    expect(table.stdout).toMatch(/^PATH\s+TRADERS\s+HYBRID NDCG@5\s+CF NDCG@5/m);
    const paths = [...table.stdout.matchAll(/^(personalized|similarity)\s+(\d+)\s/gm)].map((r) => Number(r[2]));
    const evaluated = Number(/\((\d+) traders: \d+ returning, \d+ new\)/.exec(table.stderr)?.[1]);
    expect(paths.reduce((a, b) => a + b, 0)).toBe(evaluated);
    expect(table.stdout).toMatch(/^the hybrid (falls short of \w+ alone on the hold-out: .* By path: |\(.*\) is at least as good as its best component)/m);
  });
});
