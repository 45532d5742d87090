import type { AppContext } from '../../context.ts';
import type { SomeHandlers } from '../../openapi/contract.ts';
import { currentUser } from '../../plugins/auth.ts';
import { organisationOf } from './membership.ts';
import * as members from './members.ts';
import * as organisations from './organisations.ts';
import { organisationView } from './views.ts';

/** Routes of one's own organisation (/api/supplier/*) and the admin's view of all of them. */
export function supplierHandlers(ctx: AppContext) {
  return {
    getMyOrganisation: async (req) => organisationView((await organisationOf(ctx, req)).organisation),
    updateMyOrganisation: async (req) => organisations.updateOrganisation(ctx, await organisationOf(ctx, req), req.body),
    listSupplierMembers: async (req) => members.listMembers(ctx, await organisationOf(ctx, req)),
    inviteSupplierMember: async (req, reply) => reply.code(201).send(await members.invite(ctx, await organisationOf(ctx, req), req.body)),
    listSuppliers: async (req) => organisations.listSuppliers(ctx.db, req.query),
    getSupplier: async (req) => organisations.getSupplier(ctx.db, req.params.id),
    verifySupplier: async (req) => organisations.verifySupplier(ctx, currentUser(req).id, req.params.id),
    rejectSupplier: async (req) => organisations.rejectSupplier(ctx, currentUser(req).id, req.params.id, req.body.reason),
  } satisfies SomeHandlers;
}
