// Whole-database dumps and restores, one way per kind of database (used by the backups module
// through Database.dump/restore).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';

const run = promisify(execFile);

/** PGlite's data folder as a gzipped tar, taken between two queries of the open database. */
export async function dumpPglite(client: PGlite, file: string): Promise<void> {
  const blob = await client.dumpDataDir('gzip');
  fs.writeFileSync(file, Buffer.from(await blob.arrayBuffer()), { mode: 0o600 });
}

/**
 * Replaces the rows of every table in `public` with the dump's, in one transaction: the dump is
 * opened as a second, in-memory PGlite and copied over table by table. The open database stays
 * the same object (the API keeps serving from it); foreign keys are not checked while the tables
 * are refilled (session_replication_role = replica), since the dump is consistent as a whole.
 */
export async function restorePglite(client: PGlite, file: string): Promise<void> {
  const source = await PGlite.create({ loadDataDir: new Blob([fs.readFileSync(file)]) });
  try {
    const { rows: tables } = await source.query<{ name: string }>(`select tablename as name from pg_tables where schemaname = 'public' order by 1`);
    const { rows: sequences } = await source.query<{ name: string; value: string | null }>(
      `select quote_ident(schemaname) || '.' || quote_ident(sequencename) as name, last_value::text as value from pg_sequences where schemaname = 'public'`,
    );
    await client.transaction(async (tx) => {
      await tx.query(`set local session_replication_role = replica`);
      const { rows: live } = await tx.query<{ name: string }>(`select tablename as name from pg_tables where schemaname = 'public'`);
      if (live.length) await tx.query(`truncate ${live.map((t) => quote(t.name)).join(', ')}`);
      for (const { name } of tables) {
        // Generated columns are computed again on insert; every other column is copied as it was.
        const { rows: columns } = await source.query<{ name: string }>(
          `select column_name as name from information_schema.columns
            where table_schema = 'public' and table_name = $1 and is_generated = 'NEVER' order by ordinal_position`,
          [name],
        );
        const list = columns.map((c) => quote(c.name)).join(', ');
        for (let offset = 0; ; offset += 5000) {
          const { rows } = await source.query<{ page: string | null }>(
            `select json_agg(t)::text as page from (select * from ${quote(name)} order by ctid limit 5000 offset ${offset}) t`,
          );
          const page = rows[0]?.page;
          if (!page) break;
          await tx.query(
            `insert into ${quote(name)} (${list}) overriding system value select ${list} from json_populate_recordset(null::${quote(name)}, $1::json)`,
            [page],
          );
        }
      }
      for (const { name, value } of sequences) {
        await tx.query(value === null ? `select setval($1, 1, false)` : `select setval($1, $2::bigint)`, value === null ? [name] : [name, value]);
      }
    });
  } finally {
    await source.close();
  }
}

/** libpq's variables for a postgres:// URL, so the password never shows in a process list. */
function libpqEnv(url: string): NodeJS.ProcessEnv {
  const u = new URL(url);
  const env: NodeJS.ProcessEnv = { ...process.env, PGHOST: u.hostname, PGPORT: u.port || '5432', PGDATABASE: decodeURIComponent(u.pathname.slice(1)) };
  if (u.username) env.PGUSER = decodeURIComponent(u.username);
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  const sslmode = u.searchParams.get('sslmode');
  if (sslmode) env.PGSSLMODE = sslmode;
  return env;
}

/** pg_dump's custom format: one consistent snapshot, restored by pg_restore. */
export async function dumpPostgres(url: string, file: string): Promise<void> {
  await run('pg_dump', ['--format=custom', '--no-owner', '--no-privileges', '--file', file], { env: libpqEnv(url), maxBuffer: 16 * 1024 * 1024 });
  fs.chmodSync(file, 0o600);
}

/**
 * Replaces the rows of every table in `public` with the dump's, in one transaction: pg_restore
 * writes the dump's data as SQL, piped into psql after a TRUNCATE of those tables, all under
 * `--single-transaction` (all or nothing). Data only, not `pg_restore --clean`: dropping and
 * recreating the tables and enum types would give them new OIDs, and the statements the API's
 * connections have prepared would then fail ("cached plan must not change result type").
 * Foreign keys are not checked while the tables are refilled (session_replication_role = replica,
 * which needs a superuser), since the dump is consistent as a whole.
 */
export async function restorePostgres(url: string, file: string): Promise<void> {
  const env = libpqEnv(url);
  const { stdout: tables } = await run('psql', ['-X', '-At', '-c', `select string_agg(format('%I.%I', schemaname, tablename), ', ') from pg_tables where schemaname = 'public'`], { env });
  const psql = spawn('psql', ['-X', '-q', '--single-transaction', '-v', 'ON_ERROR_STOP=1', '-f', '-'], { env, stdio: ['pipe', 'ignore', 'pipe'] });
  const restore = spawn('pg_restore', ['--data-only', '--schema=public', '--no-owner', '--no-privileges', '--file=-', file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  psql.stdin.write(`set session_replication_role = replica;\ntruncate ${tables.trim()};\n`);
  restore.stdout.pipe(psql.stdin);
  const [restored, applied] = await Promise.all([exited(restore, 'pg_restore'), exited(psql, 'psql')]);
  if (restored || applied) throw new Error(`restore failed: ${[restored, applied].filter(Boolean).join('; ')}`);
}

/** Resolves with undefined when the process exits 0, else with what it said on stderr. */
function exited(child: ChildProcess, name: string): Promise<string | undefined> {
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => {
    child.once('error', (err) => resolve(`${name}: ${err.message}`));
    child.once('close', (code) => resolve(code === 0 ? undefined : `${name} exited ${code}: ${stderr.trim().slice(0, 500)}`));
  });
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
