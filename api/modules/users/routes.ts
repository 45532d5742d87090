import type { AppContext } from '../../context.ts';
import type { Handlers } from '../../openapi/bind.ts';
import { currentUser } from '../../plugins/auth.ts';
import * as users from './service.ts';
import type { PreferencesInput } from './views.ts';

export function userHandlers(ctx: AppContext): Handlers {
  return {
    getMyPreferences: async (req) => users.getPreferences(ctx.db, currentUser(req).id),
    updateMyPreferences: async (req) => {
      const prefs = req.body as PreferencesInput;
      users.assertBudget(prefs);
      const me = await users.findUser(ctx.db, currentUser(req).id);
      return ctx.db.transaction((tx) => users.savePreferences(tx, me.id, me.market, prefs));
    },
    getMyProfile: async (req) => users.getProfile(ctx.db, currentUser(req).id),
    updateMyProfile: async (req) => users.updateProfile(ctx.db, currentUser(req).id, req.body as users.ProfileInput),
  };
}

export function adminUserHandlers(ctx: AppContext): Handlers {
  return {
    listUsers: async (req) => users.listUsers(ctx.db, req.query as users.UserListQuery),
    getUser: async (req) => users.getUserDetail(ctx.db, (req.params as { id: string }).id),
    updateUser: async (req) =>
      users.updateUser(ctx.db, currentUser(req).id, (req.params as { id: string }).id, req.body as { role?: 'admin'; active?: boolean }),
  };
}
