// Backups: the whole database plus the files beside it that it cannot do without (the JWT signing
// keys, the saved recommendation models), in one folder per backup under BACKUP_DIR.
//
// They run inside the API (admin operations and the `backup-database` job), because the API
// process is where the data is: PGlite's files can be opened by that one process only, and its
// dump (dumpDataDir) is taken from the open database, between two queries, so it is consistent.
// On PostgreSQL the dump is pg_dump's (one snapshot) and the restore pg_restore's (one transaction).
//
// A backup folder:
//   manifest.json          what the Backup operations return, written last
//   database.tar.gz        PGlite: its data folder (dumpDataDir)  | database.pgdump  PostgreSQL: pg_dump -Fc
//   files/jwt-keys.json    the signing keys (mode 0600)
//   files/ml_models/*.json the saved models
// It is built as `<id>.partial` and renamed when complete, so a listed backup is a whole one.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AppContext } from '../../context.ts';
import { conflict, notFound } from '../../errors.ts';

export interface Backup {
  id: string;
  createdAt: string;
  database: 'pglite' | 'postgres';
  /** Migrations applied when it was made: a backup restores only into a database at the same point. */
  migrations: number;
  /** The archive's files, relative to its folder, and their total size. */
  files: string[];
  sizeBytes: number;
}

const manifestName = 'manifest.json';
const idPattern = /^\d{8}T\d{9}Z-[0-9a-f]{6}$/;

const dumpFile = (kind: Backup['database']) => (kind === 'pglite' ? 'database.tar.gz' : 'database.pgdump');

/** One backup or restore at a time, across processes on PostgreSQL. */
async function exclusively<T>(ctx: AppContext, what: string, fn: () => Promise<T>): Promise<T> {
  const result = await ctx.database.withAdvisoryLock('backups', fn);
  if (!result.acquired) throw conflict(`A backup or restore is already running; ${what} when it has finished`);
  return result.value;
}

export function createBackup(ctx: AppContext): Promise<Backup> {
  return exclusively(ctx, 'make the backup', async () => {
    const dir = ctx.config.backups.dir;
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const now = new Date();
    const id = `${now.toISOString().replace(/[-:.]/g, '')}-${crypto.randomBytes(3).toString('hex')}`;
    const partial = path.join(dir, `${id}.partial`);
    fs.mkdirSync(partial, { mode: 0o700 });
    try {
      const { applied } = await ctx.database.migrationStatus();
      await ctx.database.dump(path.join(partial, dumpFile(ctx.database.kind)));
      copyInto(ctx.config.jwt.keysFile, path.join(partial, 'files', 'jwt-keys.json'));
      copyInto(ctx.config.ml.modelsDir, path.join(partial, 'files', 'ml_models'));
      const files = listFiles(partial);
      const backup: Backup = {
        id,
        createdAt: now.toISOString(),
        database: ctx.database.kind,
        migrations: applied,
        files: [...files, manifestName].sort(),
        sizeBytes: files.reduce((n, f) => n + fs.statSync(path.join(partial, f)).size, 0),
      };
      fs.writeFileSync(path.join(partial, manifestName), `${JSON.stringify(backup, null, 2)}\n`, { mode: 0o600 });
      fs.renameSync(partial, path.join(dir, id));
      return backup;
    } catch (err) {
      fs.rmSync(partial, { recursive: true, force: true });
      throw err;
    }
  });
}

/** Newest first. Folders without a manifest (a backup cut short) are not backups. */
export function listBackups(ctx: AppContext): Backup[] {
  const dir = ctx.config.backups.dir;
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => idPattern.test(name) && fs.existsSync(path.join(dir, name, manifestName)))
    .map((name) => JSON.parse(fs.readFileSync(path.join(dir, name, manifestName), 'utf8')) as Backup)
    .sort((a, b) => b.id.localeCompare(a.id));
}

/**
 * Puts the database, the keys and the models back as they were in backup `id`. The running API
 * keeps the signing keys and the model it loaded at start: restart it after a restore.
 */
export function restoreBackup(ctx: AppContext, id: string): Promise<Backup> {
  return exclusively(ctx, 'restore', async () => {
    const backup = listBackups(ctx).find((b) => b.id === id);
    if (!backup) throw notFound(`Backup ${id}`);
    if (backup.database !== ctx.database.kind) {
      throw conflict(`Backup ${id} is of a ${backup.database} database; this API runs on ${ctx.database.kind}`);
    }
    const { applied } = await ctx.database.migrationStatus();
    if (backup.migrations !== applied) {
      throw conflict(`Backup ${id} was made with ${backup.migrations} migrations applied, this database has ${applied}: restore it with the version that made it`);
    }
    const folder = path.join(ctx.config.backups.dir, id);
    await ctx.database.restore(path.join(folder, dumpFile(backup.database)));
    const keys = path.join(folder, 'files', 'jwt-keys.json');
    if (fs.existsSync(keys)) copyInto(keys, ctx.config.jwt.keysFile);
    fs.rmSync(ctx.config.ml.modelsDir, { recursive: true, force: true });
    copyInto(path.join(folder, 'files', 'ml_models'), ctx.config.ml.modelsDir);
    return backup;
  });
}

/** Keeps the newest `keep` backups (BACKUP_KEEP) and removes the rest; returns how many went. */
export function pruneBackups(ctx: AppContext, keep = ctx.config.backups.keep): number {
  const old = listBackups(ctx).slice(keep);
  for (const b of old) fs.rmSync(path.join(ctx.config.backups.dir, b.id), { recursive: true, force: true });
  return old.length;
}

/** Copies a file or a folder (recursively) if it exists, private to this user like the originals. */
function copyInto(from: string, to: string): void {
  if (!fs.existsSync(from)) return;
  fs.mkdirSync(path.dirname(to), { recursive: true, mode: 0o700 });
  fs.cpSync(from, to, { recursive: true });
  if (fs.statSync(to).isFile()) fs.chmodSync(to, 0o600);
}

function listFiles(dir: string, prefix = ''): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    return e.isDirectory() ? listFiles(path.join(dir, e.name), rel) : [rel];
  });
}
