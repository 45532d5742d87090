import type { AppContext } from '../../context.ts';
import type { SomeHandlers } from '../../openapi/contract.ts';
import { currentUser } from '../../plugins/auth.ts';
import * as users from './service.ts';

export function userHandlers(ctx: AppContext) {
  return {
    getMyPreferences: async (req) => users.getPreferences(ctx.db, currentUser(req).id),
    updateMyPreferences: async (req) => {
      const prefs = req.body;
      users.assertBudget(prefs);
      const me = await users.findUser(ctx.db, currentUser(req).id);
      return ctx.db.transaction((tx) => users.savePreferences(tx, me.id, me.market, prefs));
    },
    getMyProfile: async (req) => users.getProfile(ctx.db, currentUser(req).id),
    updateMyProfile: async (req) => users.updateProfile(ctx.db, currentUser(req).id, req.body),
  } satisfies SomeHandlers;
}

export function adminUserHandlers(ctx: AppContext) {
  return {
    listUsers: async (req) => users.listUsers(ctx.db, req.query),
    getUser: async (req) => users.getUserDetail(ctx.db, req.params.id),
    updateUser: async (req) =>
      users.updateUser(ctx.db, currentUser(req).id, req.params.id, req.body),
  } satisfies SomeHandlers;
}
