import type { AppContext } from '../../context.ts';
import type { SomeHandlers } from '../../openapi/contract.ts';
import { currentUser } from '../../plugins/auth.ts';
import { acknowledgeAlert, getAlert, listAlerts } from './evaluate.ts';

export function alertHandlers(ctx: AppContext) {
  return {
    listAlerts: (req) => listAlerts(ctx, req.query),
    getAlert: (req) => getAlert(ctx, req.params.id),
    acknowledgeAlert: (req) => acknowledgeAlert(ctx, req.params.id, currentUser(req).id),
  } satisfies SomeHandlers;
}
