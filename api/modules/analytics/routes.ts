import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { tooManyRequests } from '../../errors.ts';
import type { SomeHandlers } from '../../openapi/contract.ts';
import { cohortCsv, funnelCsv, kpiCsv, recommendationCsv, revenueCsv, segmentCsv } from './csv.ts';
import { cohortReport, funnelReport, kpiReport, recommendationReport, revenueReport, segmentReport, type ReportQuery } from './reports.ts';
import { trackEvents } from './track.ts';

/** CSV when asked by ?format=csv or an Accept that prefers text/csv; JSON otherwise. */
function wantsCsv(req: FastifyRequest<{ Querystring: { format?: string } }>): boolean {
  if (req.query.format) return req.query.format === 'csv';
  return /^\s*text\/csv/i.test(req.headers.accept ?? '');
}

export function analyticsHandlers(app: FastifyInstance, ctx: AppContext) {
  // Per trader when signed in, else per address (a device id is the client's word). Per process.
  const trackLimit = app.rateLimit({
    max: ctx.config.analytics.trackPerMinute,
    timeWindow: '1 minute',
    keyGenerator: (req) => `track:${req.user?.id ?? req.ip}`,
    errorResponseBuilder: (_req, c) => tooManyRequests(Math.max(1, Math.ceil(c.ttl / 1000)), 'Too many tracking batches; send fewer, larger ones'),
  });
  const report =
    <R,>(build: (ctx: AppContext, q: ReportQuery) => Promise<R>, csv: (r: R) => string, name: string) =>
    async (req: FastifyRequest<{ Querystring: ReportQuery }>, reply: FastifyReply) => {
      const result = await build(ctx, req.query);
      if (!wantsCsv(req)) return result;
      const { from, to } = (result as { range: { from: string; to: string } }).range;
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="connectsphere-${name}-${from}-${to}.csv"`)
        .send(csv(result));
    };
  return {
    trackEvents: {
      options: { preHandler: trackLimit },
      handler: async (req, reply) => reply.code(202).send(await trackEvents(ctx, req.user?.id, req.body)),
    },
    getKpiReport: report(kpiReport, kpiCsv, 'kpis'),
    getRevenueReport: report(revenueReport, revenueCsv, 'revenue'),
    getFunnelReport: report(funnelReport, funnelCsv, 'funnel'),
    getCohortReport: report(cohortReport, cohortCsv, 'cohorts'),
    getSegmentReport: report(segmentReport, segmentCsv, 'segments'),
    getRecommendationReport: report(recommendationReport, recommendationCsv, 'recommendations'),
  } satisfies SomeHandlers;
}
