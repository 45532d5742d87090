import type { AppContext } from '../../context.ts';
import type { SomeHandlers } from '../../openapi/contract.ts';
import { currentUser, type AuthUser } from '../../plugins/auth.ts';
import { idempotent } from '../idempotency/idempotency.ts';
import { logView } from '../ml/events.ts';
import { servedModel } from '../ml/model-store.ts';
import { groupScores } from '../ml/serving.ts';
import * as joins from './joins.ts';
import * as groups from './service.ts';
import { transitionGroup } from './transitions.ts';

export function groupHandlers(ctx: AppContext) {
  return {
    listGroups: async (req) => {
      const query = req.query;
      // Without a model, sort=recommended is the deadline order: asking first spares reading up
      // to 2,000 open groups for a ranker that has nothing to rank them with.
      const ranker = query.sort === 'recommended' && (await servedModel(ctx)) ? (viewer: AuthUser, ids: string[]) => groupScores(ctx, viewer, ids) : undefined;
      return groups.listGroups(ctx.db, currentUser(req), query, ranker);
    },
    getGroup: async (req) => {
      const user = currentUser(req);
      const group = await groups.getGroup(ctx.db, user, req.params.id);
      // A trader opening a group's page is a (weak) signal for the recommender; losing one is
      // better than failing the page.
      await logView(ctx, user, group).catch((err: unknown) => req.log.warn({ err }, 'could not log a group view'));
      return group;
    },
    createGroup: async (req, reply) => reply.code(201).send(await groups.createGroup(ctx, currentUser(req), req.body)),
    updateGroup: async (req) => groups.updateGroup(ctx, currentUser(req), req.params.id, req.body),
    transitionGroup: async (req) => {
      const { to, reason } = req.body;
      return transitionGroup(ctx, currentUser(req), req.params.id, to, reason);
    },
    joinGroup: async (req, reply) =>
      idempotent(ctx, req, reply, 'joinGroup', async () => ({
        status: 201,
        body: await joins.joinGroup(ctx, currentUser(req), req.params.id, req.body),
      })),
    listMyContributions: async (req) => joins.listMyContributions(ctx, currentUser(req), req.query),
    updateContribution: async (req) =>
      joins.updateContribution(ctx, currentUser(req), req.params.id, req.body.quantity),
    leaveGroup: async (req) => joins.leaveGroup(ctx, currentUser(req), req.params.id),
  } satisfies SomeHandlers;
}
