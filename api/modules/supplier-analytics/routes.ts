import type { AppContext } from '../../context.ts';
import type { SomeHandlers } from '../../openapi/contract.ts';
import { organisationOf } from '../suppliers/membership.ts';
import { supplierAnalytics } from './analytics.ts';

/** GET /api/supplier/analytics: the caller's organisation only. */
export function supplierAnalyticsHandlers(ctx: AppContext) {
  return {
    getSupplierAnalytics: async (req) => supplierAnalytics(ctx.db, await organisationOf(ctx, req), req.query),
  } satisfies SomeHandlers;
}
