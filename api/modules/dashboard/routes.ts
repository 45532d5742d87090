import type { AppContext } from '../../context.ts';
import type { SomeHandlers } from '../../openapi/contract.ts';
import { hourlyActivity } from './activity.ts';

export function dashboardHandlers(ctx: AppContext) {
  return {
    getDashboardActivity: async (req) => hourlyActivity(ctx.db, req.query),
  } satisfies SomeHandlers;
}
