import type { Transport } from '../client.ts';
import type { Backup, BackupList } from '../types.ts';

/** Dumping or refilling a whole database takes longer than the client's default 10 s per attempt. */
const longMs = 10 * 60_000;

/** Backups of the database, signing keys and models, made by the API where the data is (admin). */
export class AdminBackupsResource {
  constructor(private readonly t: Transport) {}

  /** Newest first, as `{ items }`. */
  list(): Promise<BackupList> {
    return this.t.call('get', '/api/admin/backups', {});
  }

  /** Makes one now and returns it; ApiError 409 while another backup or restore runs. */
  create(): Promise<Backup> {
    return this.t.call('post', '/api/admin/backups', { timeoutMs: longMs });
  }

  /**
   * Puts the database, keys and models back as they were in backup `id`; ApiError 409 when it was
   * made at another migration level. Restart the API afterwards (it loads keys and model at start).
   */
  restore(id: string): Promise<Backup> {
    return this.t.call('post', '/api/admin/backups/{id}/restore', { path: { id }, retries: 0, timeoutMs: longMs });
  }
}
