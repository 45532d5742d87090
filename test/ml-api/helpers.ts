import { desc, eq, inArray, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { contributions, groups, users } from '../../api/db/schema.ts';
import { demoPassword, seedDemoData } from '../../api/seed/demo.ts';
import { freshApp } from '../helpers/app.ts';
import { bearer, type Session } from '../helpers/users.ts';

/** A fresh app on the demo data (60 traders); no model trains by itself. */
export async function demoApp(env: Record<string, string> = {}): Promise<FastifyInstance> {
  const app = await freshApp({ ML_TRAIN_ON_START: 'false', ...env });
  await seedDemoData(app.ctx.db, { traders: 60 });
  return app;
}

export async function login(app: FastifyInstance, email: string): Promise<Session> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: demoPassword } });
  if (res.statusCode !== 200) throw new Error(`login ${email}: ${res.statusCode} ${res.body}`);
  return res.json() as Session;
}

export const demoAdmin = (app: FastifyInstance) => login(app, 'admin@demo.connectsphere.co.zw');

/** The seeded trader with the longest purchase history. */
export async function traderWithHistory(app: FastifyInstance): Promise<Session> {
  const [row] = await app.ctx.db
    .select({ email: users.email, n: sql<number>`count(*)::int` })
    .from(contributions)
    .innerJoin(users, eq(users.id, contributions.traderId))
    .groupBy(users.email)
    .orderBy(desc(sql`count(*)`), users.email)
    .limit(1);
  return login(app, row!.email);
}

/** A seeded trader who holds a contribution in a group that is still open. */
export async function traderInOpenGroup(app: FastifyInstance): Promise<{ session: Session; groupId: string }> {
  const [row] = await app.ctx.db
    .select({ email: users.email, groupId: contributions.groupId })
    .from(contributions)
    .innerJoin(users, eq(users.id, contributions.traderId))
    .innerJoin(groups, eq(groups.id, contributions.groupId))
    .where(sql`${groups.status} = 'open' and ${inArray(contributions.status, ['pending_payment', 'paid'])}`)
    .orderBy(users.email)
    .limit(1);
  return { session: await login(app, row!.email), groupId: row!.groupId };
}

export interface RunView {
  id: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  stage: string | null;
  progress: number;
  metrics: Record<string, any>;
  modelVersion: string | null;
  activated: boolean;
  error: string | null;
  finishedAt: string | null;
}

/** Polls a run until it finishes; returns it with every stage seen on the way. */
export async function waitForRun(app: FastifyInstance, admin: Session, id: string, timeoutMs = 60_000) {
  const stages: string[] = [];
  const progress: number[] = [];
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await app.inject({ url: `/api/admin/ml/runs/${id}`, headers: bearer(admin.accessToken) });
    expect(res.statusCode, res.body).toBe(200);
    const run = res.json() as RunView;
    if (run.stage && stages[stages.length - 1] !== run.stage) stages.push(run.stage);
    progress.push(run.progress);
    if (run.status === 'succeeded' || run.status === 'failed') return { run, stages, progress };
    if (Date.now() > until) throw new Error(`run ${id} still ${run.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function train(app: FastifyInstance, admin: Session, body: Record<string, unknown> = {}) {
  const res = await app.inject({ method: 'POST', url: '/api/admin/ml/train', headers: bearer(admin.accessToken), payload: body });
  expect(res.statusCode, res.body).toBe(202);
  const done = await waitForRun(app, admin, (res.json() as RunView).id);
  expect(done.run.status, done.run.error ?? '').toBe('succeeded');
  return done.run;
}

export interface RecommendationList {
  items: {
    recommendationId: string;
    rank: number;
    score: number;
    components: Record<string, number>;
    explanation: { path: 'personalised' | 'cold_start'; contributions: Record<string, number>; reasons: string[] };
    group: { id: string; title: string; status: string; product: { id: string; category: string }; maxQuantity: number | null; minPerTrader: number; participantCount: number; remainingQuantity: number | null; myContribution: unknown };
  }[];
  modelVersion: string;
  variant: string;
  generatedAt: string;
}

export async function recommendations(app: FastifyInstance, s: Session, limit = 10): Promise<RecommendationList> {
  const res = await app.inject({ url: `/api/ml/recommendations?limit=${limit}`, headers: bearer(s.accessToken) });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as RecommendationList;
}
