import type { AppContext } from '../../context.ts';
import type { SomeHandlers } from '../../openapi/contract.ts';
import { organisationOf } from '../suppliers/membership.ts';
import { listAdminPayouts, listSupplierPayouts } from './service.ts';

/** The organisation's payouts (/api/supplier/payouts) and the admin's view of all of them. */
export function payoutHandlers(ctx: AppContext) {
  return {
    listSupplierPayouts: async (req) => listSupplierPayouts(ctx.db, await organisationOf(ctx, req), req.query),
    listAdminPayouts: async (req) => listAdminPayouts(ctx.db, req.query),
  } satisfies SomeHandlers;
}
