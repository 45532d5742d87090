import type { AppContext } from '../../context.ts';
import type { SomeHandlers } from '../../openapi/contract.ts';
import { createBackup, listBackups, restoreBackup } from './service.ts';

// The admin backups API (listBackups, createBackup, restoreBackup); admin-only by the spec's x-roles,
// a malformed id refused by the spec's BackupId pattern (400) before a handler runs.
export function backupHandlers(ctx: AppContext) {
  return {
    listBackups: async () => ({ items: listBackups(ctx) }),
    createBackup: async (_req, reply) => reply.code(201).send(await createBackup(ctx)),
    restoreBackup: async (req) => {
      req.log.warn({ backup: req.params.id }, 'restoring a backup: the database, keys and models go back to it');
      return restoreBackup(ctx, req.params.id);
    },
  } satisfies SomeHandlers;
}
