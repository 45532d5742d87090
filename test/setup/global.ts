import type { TestProject } from 'vitest/node';
import pg from 'pg';
import { openDatabase } from '../../api/db/client.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A migrated template database on the PostgreSQL server, when TEST_DATABASE_URL is set. */
    pgTemplateUrl: string | undefined;
  }
}

/**
 * With TEST_DATABASE_URL (a server to create databases on), each run migrates a database of its
 * own once; every worker then clones it. Without it, tests use in-memory PGlite.
 */
export default async function setup(project: TestProject) {
  const serverUrl = process.env.TEST_DATABASE_URL;
  // The concurrency and crash tests run only on PostgreSQL and skip without it: in CI that
  // would hide them, so a CI run without a server fails unless it says it is embedded-only.
  if (!serverUrl && process.env.CI === 'true' && process.env.TEST_PGLITE_ONLY !== 'true') {
    throw new Error(
      'CI=true but TEST_DATABASE_URL is not set: the PostgreSQL-only tests (concurrency, crashes) would be skipped. ' +
        'Set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test, or TEST_PGLITE_ONLY=true for a deliberately embedded-only run.',
    );
  }
  if (!serverUrl) {
    project.provide('pgTemplateUrl', undefined);
    return;
  }
  const name = `cs_test_${Date.now()}_${process.pid}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const templateUrl = withDatabase(serverUrl, name);
  const database = await openDatabase({ databaseUrl: templateUrl, poolSize: 1 });
  await database.migrate();
  await database.close();
  project.provide('pgTemplateUrl', templateUrl);

  return async () => {
    // Drop the template and every worker's clone of it.
    const { rows } = await admin.query<{ datname: string }>(`select datname from pg_database where datname like $1`, [`${name}%`]);
    for (const { datname } of rows) await admin.query(`drop database if exists ${datname} with (force)`);
    await admin.end();
  };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
