import type { AppContext } from '../../context.ts';
import type { SomeHandlers } from '../../openapi/contract.ts';
import { currentUser } from '../../plugins/auth.ts';
import { rateContribution } from './service.ts';

export function ratingHandlers(ctx: AppContext) {
  return {
    rateContribution: async (req, reply) => reply.code(201).send(await rateContribution(ctx, currentUser(req), req.params.id, req.body)),
  } satisfies SomeHandlers;
}
