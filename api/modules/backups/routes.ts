import type { AppContext } from '../../context.ts';
import type { Handlers } from '../../openapi/bind.ts';
import { createBackup, listBackups, restoreBackup } from './service.ts';

// The admin backups API (listBackups, createBackup, restoreBackup); admin-only by the spec's x-roles.
export function backupHandlers(ctx: AppContext): Handlers {
  return {
    listBackups: async () => ({ items: listBackups(ctx) }),
    createBackup: async (_req, reply) => {
      const backup = await createBackup(ctx);
      reply.code(201);
      return backup;
    },
    restoreBackup: async (req) => {
      const { id } = req.params as { id: string };
      req.log.warn({ backup: id }, 'restoring a backup: the database, keys and models go back to it');
      return restoreBackup(ctx, id);
    },
  };
}
