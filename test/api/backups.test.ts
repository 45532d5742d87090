// Backups made by the API where the data is: the whole database (PGlite's dumpDataDir, or
// pg_dump/pg_restore with TEST_DATABASE_URL), the signing keys and the saved models; a restore
// brings back every row of every table, and the files, as they were.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { sql } from 'drizzle-orm';
import { freshApp } from '../helpers/app.ts';
import { bearer, registerUser, userWithRole, type Session } from '../helpers/users.ts';

let app: FastifyInstance;
let admin: Session;
let dir: string;
let modelsDir: string;
let keysFile: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-backups-'));
  modelsDir = path.join(dir, 'models');
  keysFile = path.join(dir, 'keys', 'jwt-keys.json');
  app = await freshApp({ BACKUP_DIR: path.join(dir, 'backups'), BACKUP_KEEP: '2', ML_MODELS_DIR: modelsDir, JWT_KEYS_FILE: keysFile });
  admin = await userWithRole(app, 'admin');
});
afterAll(async () => {
  await app.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Every row of every table in public, each table's rows in a fixed order: the database's content. */
async function everyRow(): Promise<Record<string, unknown[]>> {
  const db = app.ctx.database.db;
  const tables = (await db.execute<{ name: string }>(sql`select tablename as name from pg_tables where schemaname = 'public' order by 1`)) as unknown as { rows: { name: string }[] };
  const out: Record<string, unknown[]> = {};
  for (const { name } of tables.rows) {
    const res = (await db.execute(sql.raw(`select coalesce(json_agg(t order by t::text), '[]'::json) as rows from "${name}" t`))) as unknown as { rows: { rows: unknown[] }[] };
    out[name] = res.rows[0]!.rows;
  }
  return out;
}

const asAdmin = (method: 'GET' | 'POST', url: string) => app.inject({ method, url, headers: bearer(admin.accessToken) });

// Dumping and restoring the whole database takes seconds alone and over a minute on a loaded 2-core machine.
describe(`backups on ${process.env.TEST_DATABASE_URL ? 'PostgreSQL (pg_dump, pg_restore)' : 'PGlite (dumpDataDir)'}`, { timeout: 240_000 }, () => {
  it('a restore brings back every row of every table, the signing keys and the model files as they were at the backup', async () => {
    await registerUser(app, { name: 'Rudo Before' });
    fs.mkdirSync(modelsDir, { recursive: true });
    fs.writeFileSync(path.join(modelsDir, 'v-before.json'), '{"version":"v-before"}');
    const keysBefore = fs.readFileSync(keysFile, 'utf8');
    const before = await everyRow();
    expect(before.users!.length).toBeGreaterThanOrEqual(2);

    const made = await asAdmin('POST', '/api/admin/backups');
    expect(made.statusCode, made.body).toBe(201);
    const backup = made.json();
    const kind = app.ctx.database.kind;
    expect(backup).toMatchObject({ database: kind, migrations: (await app.ctx.database.migrationStatus()).applied });
    expect(backup.files).toEqual(
      [kind === 'pglite' ? 'database.tar.gz' : 'database.pgdump', 'files/jwt-keys.json', 'files/ml_models/v-before.json', 'manifest.json'].sort(),
    );
    expect(backup.sizeBytes).toBeGreaterThan(0);
    expect(fs.statSync(path.join(dir, 'backups', backup.id, 'files/jwt-keys.json')).mode & 0o777).toBe(0o600);

    // Life goes on: new rows, changed rows, deleted rows, other models.
    await registerUser(app, { name: 'Farai After' });
    await app.ctx.database.db.execute(sql`update users set name = 'Renamed' where email = ${admin.user.email}`);
    await app.ctx.database.db.execute(sql`delete from refresh_tokens where user_id <> ${admin.user.id}`);
    fs.rmSync(path.join(modelsDir, 'v-before.json'));
    fs.writeFileSync(path.join(modelsDir, 'v-after.json'), '{}');
    expect(await everyRow()).not.toEqual(before);

    const restored = await asAdmin('POST', `/api/admin/backups/${backup.id}/restore`);
    expect(restored.statusCode, restored.body).toBe(200);
    expect(restored.json()).toEqual(backup);
    expect(await everyRow()).toEqual(before);
    expect(fs.readdirSync(modelsDir)).toEqual(['v-before.json']);
    expect(fs.readFileSync(keysFile, 'utf8')).toBe(keysBefore);
    // The API serves on from the restored database.
    const users = await asAdmin('GET', '/api/admin/users?limit=50');
    expect(users.statusCode, users.body).toBe(200);
    expect(users.json().items.map((u: { name: string }) => u.name)).not.toContain('Farai After');
  });

  it('lists backups newest first, and the scheduled job makes one and keeps BACKUP_KEEP', async () => {
    for (let i = 0; i < 2; i++) expect((await asAdmin('POST', '/api/admin/jobs/backup-database/run')).json()).toMatchObject({ outcome: 'succeeded' });
    const list = (await asAdmin('GET', '/api/admin/backups')).json().items as { id: string; createdAt: string }[];
    expect(list).toHaveLength(2);
    expect(list[0]!.id > list[1]!.id).toBe(true);
    const run = (await asAdmin('POST', '/api/admin/jobs/backup-database/run')).json();
    expect(run).toMatchObject({ outcome: 'succeeded', counts: { made: 1, removed: 1 } });
    expect(fs.readdirSync(path.join(dir, 'backups')).sort()).toEqual(((await asAdmin('GET', '/api/admin/backups')).json().items as { id: string }[]).map((b) => b.id).sort());
  });

  it('refuses an unknown backup (404), a malformed id (400) and non-admins (403)', async () => {
    const unknown = await asAdmin('POST', '/api/admin/backups/20200101T000000000Z-abcdef/restore');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers['content-type']).toContain('application/problem+json');
    const malformed = await asAdmin('POST', '/api/admin/backups/..%2F..%2Fetc/restore');
    expect(malformed.statusCode).toBe(400);
    const trader = await userWithRole(app, 'trader');
    expect((await app.inject({ method: 'POST', url: '/api/admin/backups', headers: bearer(trader.accessToken) })).statusCode).toBe(403);
  });

  it('refuses a backup made at another migration level (409), changing nothing', async () => {
    const made = (await asAdmin('POST', '/api/admin/backups')).json();
    const manifest = path.join(dir, 'backups', made.id, 'manifest.json');
    fs.writeFileSync(manifest, JSON.stringify({ ...made, migrations: made.migrations - 1 }));
    const before = await everyRow();
    const res = await asAdmin('POST', `/api/admin/backups/${made.id}/restore`);
    expect(res.statusCode).toBe(409);
    expect(res.json().detail).toMatch(/migrations applied/);
    expect(await everyRow()).toEqual(before);
  });
});
