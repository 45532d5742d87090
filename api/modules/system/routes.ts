import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { AppContext } from '../../context.ts';
import type { SomeHandlers } from '../../openapi/contract.ts';

export const version = '0.1.0';

export function systemHandlers(app: FastifyInstance, ctx: AppContext, metrics: Registry) {
  return {
    getHealth: async () => ({ status: 'ok', uptimeSeconds: process.uptime(), version }),
    getReadiness: async (_req, reply) => {
      const components: Record<string, { status: 'up' | 'down'; detail: string }> = {};
      try {
        await ctx.db.execute(sql`select 1`);
        components.database = { status: 'up', detail: ctx.database.kind };
        const m = await ctx.database.migrationStatus();
        components.migrations = {
          status: m.pending === 0 ? 'up' : 'down',
          detail: `${m.applied} applied, ${m.pending} pending`,
        };
      } catch (err) {
        components.database = { status: 'down', detail: (err as Error).message };
      }
      const ready = Object.values(components).every((c) => c.status === 'up');
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', components });
    },
    getMetrics: async (_req, reply) => reply.type(metrics.contentType).code(200).send(await metrics.metrics()),
    getJwks: async (_req, reply) => reply.header('cache-control', 'public, max-age=300').code(200).send(ctx.keys.jwks),
    getOpenApiJson: async (_req, reply) => reply.type('application/vnd.oai.openapi+json').code(200).send({ ...app.swagger() }),
    getOpenApiYaml: async (_req, reply) => reply.type('application/yaml').code(200).send(app.swagger({ yaml: true })),
  } satisfies SomeHandlers;
}
