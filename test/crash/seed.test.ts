import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { demoTraderCount } from '../../api/seed/demo.ts';
import { onPostgres } from '../helpers/db.ts';
import { crashDatabase, startServer } from './process.ts';

// The first start seeds the demo data. A process killed (SIGKILL) in the middle of it used to leave
// traders and products without groups, and the next start, seeing users, never finished it.
describe.runIf(onPostgres())('demo seeding killed mid-way (real process, PostgreSQL)', () => {
  it('leaves nothing behind, and the next start loads all of it', async () => {
    const db = await crashDatabase();
    try {
      const count = async (table: string) =>
        Number(((await db.database.db.execute(sql.raw(`select count(*)::int as n from ${table}`))) as unknown as { rows: { n: number }[] }).rows[0]!.n);

      // Killed after the accounts and products were written, before the groups.
      const first = await startServer(db.url, { SEED_DEMO_DATA: 'true', CS_CRASH_AT: 'seed:before-groups', ADMIN_EMAIL: '', ADMIN_PASSWORD: '' });
      expect(await first.exited, first.output()).toEqual({ code: null, signal: 'SIGKILL' });
      expect(await count('users')).toBe(0);
      expect(await count('products')).toBe(0);

      const second = await startServer(db.url, { SEED_DEMO_DATA: 'true', ADMIN_EMAIL: '', ADMIN_PASSWORD: '' });
      expect(await second.ready, second.output()).toBe(true);
      await second.stop();
      expect(await count(`users where role = 'trader'`)).toBe(demoTraderCount);
      expect(await count('products')).toBeGreaterThan(0);
      expect(await count('pickup_points')).toBeGreaterThan(0);
      expect(await count('groups')).toBe(80);
      expect(await count('contributions')).toBeGreaterThan(0);
      expect(await count('payments')).toBeGreaterThan(0);
    } finally {
      await db.drop();
    }
  }, 180_000);
});
