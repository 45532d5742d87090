// cs admin backup create|list|restore as a subprocess against a live API, which makes the backups.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { liveServer } from '../helpers/app.ts';
import { registerUser, userWithRole, type Session } from '../helpers/users.ts';
import { cliAs } from './market.ts';

// A whole-database dump or restore ran past the CLI helper's 25 s kill under CI's load.
const slow = { timeoutMs: 180_000 };

describe('cs admin backup', { timeout: 400_000 }, () => {
  let app: FastifyInstance;
  let admin: Session;
  let cs: ReturnType<typeof cliAs>;
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-cli-backups-'));
    let url: string;
    ({ app, url } = await liveServer({ BACKUP_DIR: path.join(dir, 'backups'), ML_MODELS_DIR: path.join(dir, 'models'), JWT_KEYS_FILE: path.join(dir, 'keys.json') }));
    admin = await userWithRole(app, 'admin');
    cs = cliAs(url, admin);
  });
  afterAll(async () => {
    await app.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates a backup, lists it, and restores it (--yes), the rows made since gone', async () => {
    const none = await cs(['admin', 'backup', 'list']);
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout + none.stderr).toContain('No backups yet');

    const made = await cs(['admin', 'backup', 'create', '--json'], slow);
    expect(made.code, made.stderr).toBe(0);
    const backup = JSON.parse(made.stdout) as { id: string; database: string; files: string[] };
    expect(backup.database).toBe(app.ctx.database.kind);
    expect(backup.files).toContain('files/jwt-keys.json');

    const table = await cs(['admin', 'backup', 'list']);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+MADE\s+DATABASE\s+FILES\s+SIZE$/);
    expect(lines[1]).toMatch(new RegExp(`^${backup.id}\\s+(just now|[\\dmhs ]+ ago)\\s+${backup.database}\\s+${backup.files.length}\\s+\\d+(\\.\\d)? [kM]B$`));

    const later = await registerUser(app, { name: 'After The Backup' });
    const refused = await cs(['admin', 'backup', 'restore', backup.id]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('pass --yes');

    const restored = await cs(['admin', 'backup', 'restore', backup.id, '--yes'], slow);
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toContain(`Restored backup ${backup.id}`);
    expect(restored.stdout).toContain('Restart the API');
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: later.user.email, password: later.password } });
    expect(login.statusCode).toBe(401);
  });

  it('answers an unknown backup with exit 1 and the API problem', async () => {
    const res = await cs(['admin', 'backup', 'restore', '20200101T000000000Z-abcdef', '--yes']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('Backup 20200101T000000000Z-abcdef was not found');
  });
});
