import { sql } from 'drizzle-orm';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, type Database } from '../../api/db/client.ts';
import { withDatabase } from '../setup/global.ts';

let shared: Promise<Database> | undefined;
let sharedUrl: string | undefined;

/** This worker's database: created and migrated once, shared by every test file the worker runs. */
export function testDatabase(): Promise<Database> {
  shared ??= open();
  return shared;
}

export const onPostgres = () => inject('pgTemplateUrl') !== undefined;

async function open(): Promise<Database> {
  const template = inject('pgTemplateUrl');
  if (!template) {
    const database = await openDatabase({ pgliteDir: 'memory://' });
    await database.migrate();
    return database;
  }
  const templateName = new URL(template).pathname.slice(1);
  const name = `${templateName}_w${process.env.VITEST_POOL_ID ?? '0'}_${process.pid}`;
  const admin = new pg.Client({ connectionString: template });
  await admin.connect();
  await admin.query(`create database ${name} template ${templateName}`);
  await admin.end();
  sharedUrl = withDatabase(template, name);
  return openDatabase({ databaseUrl: sharedUrl, poolSize: 20 });
}

/**
 * A second pool on this worker's PostgreSQL database: what another API process would hold (its own
 * sessions, its own in-process queues). The caller closes it. PostgreSQL only.
 */
export async function anotherProcessDatabase(): Promise<Database> {
  await testDatabase();
  if (!sharedUrl) throw new Error('anotherProcessDatabase needs PostgreSQL (TEST_DATABASE_URL)');
  return openDatabase({ databaseUrl: sharedUrl, poolSize: 10 });
}

/** Empties every table (keeping the schema), so each test starts from nothing. */
export async function resetDatabase(database: Database): Promise<void> {
  const result = await database.db.execute<{ tablename: string }>(
    sql`select tablename from pg_tables where schemaname = 'public'`,
  );
  const tables = (result as unknown as { rows: { tablename: string }[] }).rows.map((r) => `"${r.tablename}"`);
  if (tables.length) await database.db.execute(sql.raw(`truncate ${tables.join(', ')} restart identity cascade`));
}
