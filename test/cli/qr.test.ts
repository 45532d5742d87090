import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { eq } from 'drizzle-orm';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { pickupPasses } from '../../api/db/schema.ts';
import { liveServer } from '../helpers/app.ts';
import { market, type Market } from '../helpers/fixtures.ts';
import { bearer, registerUser, userWithRole, type Session } from '../helpers/users.ts';
import { darkTheme, lightTheme, terminalPng, type Theme } from '../helpers/terminal-png.ts';
import { advanceTo, cliAs, fundedGroup, joinAndPay } from './market.ts';
import { repoRoot } from './run.ts';

// Each step spawns the CLI (about a second under tsx, more on a busy machine).
const slow = 120_000;

interface Pass {
  id: string;
  token: string;
  quantity: number;
  pickupPoint: { id: string; name: string };
}

let app: FastifyInstance;
let url: string;
let m: Market;
let chipo: Session;
let farai: Session;
let chipoPass: Pass;
let faraiPass: Pass;
let asStaff: ReturnType<typeof cliAs>;

async function passesOf(s: Session): Promise<Pass[]> {
  return (await app.inject({ url: '/api/qr/passes', headers: bearer(s.accessToken) })).json().items;
}

beforeAll(async () => {
  ({ app, url } = await liveServer());
  m = await market(app);
  // Chipo funds the group (10 units, collected at its first point, Glen View); Farai adds 5 for Mbare.
  const funded = await fundedGroup(app, m, { title: 'Oil for pickup' });
  chipo = funded.buyer;
  farai = await registerUser(app, { name: 'Farai Dube' });
  await joinAndPay(app, farai, funded.group.id, 5, { pickupPointId: m.pointIds[0] });
  await advanceTo(app, m, funded.group.id, ['ordered', 'shipped', 'delivered', 'ready_for_pickup']);
  chipoPass = (await passesOf(chipo))[0]!;
  faraiPass = (await passesOf(farai))[0]!;
  // This staff member works at both of the group's points; an admin assigns them with the CLI.
  const staff = await userWithRole(app, 'staff');
  const asAdmin = cliAs(url, m.admin);
  const assigned = await asAdmin(['staff', 'assign', staff.user.email, '--pickup-point', m.pointIds[0]!, '--pickup-point', m.pointIds[1]!]);
  expect(assigned.code, assigned.stderr).toBe(0);
  asStaff = cliAs(url, staff);
});
afterAll(async () => {
  await app.close();
});

describe('cs qr list and show as the pass holder', { timeout: slow }, () => {
  it('draws the pass token as a QR code in half blocks, with what to collect where', async () => {
    const cs = cliAs(url, chipo);
    const res = await cs(['passes', 'show', chipoPass.id.slice(0, 8)]);
    expect(res.code, res.stderr).toBe(0);
    const block = res.stdout.split('\n\n')[0]!.split('\n');
    expect(block.length).toBeGreaterThan(10);
    expect(block.every((line) => /^[▀▄█ ]+$/.test(line) && [...line].length === [...block[0]!].length)).toBe(true);
    // Without colour and without COLORFGBG it is drawn for a dark background: the quiet zone is ink.
    expect(block[0]).toMatch(/^█+$/);
    expect(res.stdout).toMatch(new RegExp(`^Pass\\s+${chipoPass.id}$`, 'm'));
    expect(res.stdout).toMatch(/^Collect\s+10 × Sunflower cooking oil \(2 L bottle\)$/m);
    expect(res.stdout).toMatch(/^Pickup point\s+Glen View complex, Glen View · Glen View, Harare$/m);
    expect(res.stdout).toMatch(/^Status\s+active$/m);
    expect(res.stdout).toMatch(/^Expires\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC \(in \d+d/m);

    const list = await cs(['qr', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+COLLECT\s+PICKUP POINT\s+STATUS\s+EXPIRES$/m);
    expect(list.stdout).toMatch(new RegExp(`^${chipoPass.id}\\s+10 × Sunflower cooking oil \\(2 L bottle\\)\\s+Glen View complex\\s+active\\s+in \\d+d`, 'm'));

    const json = await cs(['qr', 'show', chipoPass.id, '--json']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(chipoPass);
  });
});

// A phone must read the code off the screen, whatever the theme: the terminal text is rendered to a
// PNG as a light and as a dark terminal draws it, and a real scanner (zbarimg) decodes it.
const zbarimg = ['/usr/bin/zbarimg', '/usr/local/bin/zbarimg'].find((f) => fs.existsSync(f));
if (!zbarimg) console.warn('zbarimg is missing (Debian zbar-tools; .ci/run installs it): the QR screenshot scans are skipped');
const shots = path.join(repoRoot, 'test-output', 'qr-terminal');

async function scan(name: string, text: string, theme: Theme): Promise<string | undefined> {
  fs.mkdirSync(shots, { recursive: true });
  const file = path.join(shots, `${name}.png`);
  fs.writeFileSync(file, terminalPng(text, theme));
  try {
    return (await promisify(execFile)(zbarimg!, ['--quiet', '--raw', file])).stdout.trim();
  } catch {
    return undefined; // zbarimg exits 4 when it finds no code
  }
}

describe.skipIf(!zbarimg)('cs passes show scans on light and dark terminals', { timeout: slow }, () => {
  const qrBlock = (stdout: string) => stdout.replace(/\r/g, '').split('\n\n')[0]!;

  it('without colour: drawn for the background it is told (or COLORFGBG says), it scans there and not on the other', async () => {
    const cs = cliAs(url, chipo);
    const light = await cs(['passes', 'show', chipoPass.id, '--background', 'light']);
    const dark = await cs(['passes', 'show', chipoPass.id, '--background', 'dark']);
    const auto = await cs(['passes', 'show', chipoPass.id], { env: { COLORFGBG: '0;15' } });
    for (const r of [light, dark, auto]) expect(r.code, r.stderr).toBe(0);
    expect(await scan('plain-light-on-light', qrBlock(light.stdout), lightTheme)).toBe(chipoPass.token);
    expect(await scan('plain-dark-on-dark', qrBlock(dark.stdout), darkTheme)).toBe(chipoPass.token);
    expect(await scan('plain-auto-on-light', qrBlock(auto.stdout), lightTheme)).toBe(chipoPass.token);
    // The wrong way round is a negative image with no light quiet zone: the scanner finds nothing,
    // which is why the background matters.
    expect(await scan('plain-light-on-dark', qrBlock(light.stdout), darkTheme)).toBeUndefined();
    expect(await scan('plain-dark-on-light', qrBlock(dark.stdout), lightTheme)).toBeUndefined();
  });

  it('on a colour terminal (a real pty): black on white whatever the theme, so it scans on both', async () => {
    fs.mkdirSync(shots, { recursive: true });
    const dir = fs.mkdtempSync(path.join(shots, 'cfg-'));
    fs.writeFileSync(
      path.join(dir, 'config.json'),
      JSON.stringify({ currentProfile: 'default', profiles: { default: { apiUrl: url, accessToken: chipo.accessToken, refreshToken: chipo.refreshToken } } }),
    );
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TERM: 'xterm-256color', CI: '1', CS_CONFIG_DIR: dir, CS_API_URL: url };
    const command = `${process.execPath} ${path.join(repoRoot, 'cli/bin/cs.js')} passes show ${chipoPass.id}`;
    const { stdout } = await promisify(execFile)('script', ['-qec', command, '/dev/null'], { env, cwd: repoRoot });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(stdout).toContain('\x1b[30;107m');
    expect(await scan('color-on-light', qrBlock(stdout), lightTheme)).toBe(chipoPass.token);
    expect(await scan('color-on-dark', qrBlock(stdout), darkTheme)).toBe(chipoPass.token);
  });
});

describe('cs qr redeem as staff', { timeout: slow }, () => {
  it('shows what to hand over, redeems once, and a second redeem says when and where (exit 1)', async () => {
    const res = await asStaff(['qr', 'redeem', chipoPass.token, '--yes']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^Hand over\s+10 × Sunflower cooking oil \(2 L bottle\)$/m);
    expect(res.stdout).toMatch(/^Trader\s+Chipo Ncube$/m);
    expect(res.stdout).toMatch(/^Pickup point\s+Glen View complex, Glen View · Glen View, Harare$/m);
    expect(res.stdout).toMatch(/^Status\s+active, can be redeemed$/m);
    expect(res.stdout).toContain('✓ Redeemed: hand 10 × Sunflower cooking oil (2 L bottle) to Chipo Ncube');
    expect(res.stdout).toMatch(/^ {2}at Glen View complex, \d{4}-\d\d-\d\d \d\d:\d\d UTC · 0 left here for this group$/m);
    const [row] = await app.ctx.db.select().from(pickupPasses).where(eq(pickupPasses.id, chipoPass.id));
    expect(row!.status).toBe('used');

    const again = await asStaff(['qr', 'redeem', chipoPass.token, '--yes']);
    expect(again.code).toBe(1);
    const usedAt = `${row!.usedAt!.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
    expect(again.stdout).toMatch(/^Status\s+used, cannot be redeemed$/m);
    expect(again.stderr).toContain(`Error: Already redeemed: This pass was already redeemed on ${usedAt} (`);
    expect(again.stderr).toContain(' at Glen View complex; hand nothing over');
  });

  it('refuses a pass for another pickup point before redeeming, then redeems it there (--json)', async () => {
    const wrong = await asStaff(['qr', 'redeem', faraiPass.token, '--pickup-point', m.pointIds[1]!, '--yes']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('Error: Wrong pickup point: This pass is for Mbare Musika stall 14 (Mbare Musika, Mbare Musika, Harare)');
    expect((await app.ctx.db.select().from(pickupPasses).where(eq(pickupPasses.id, faraiPass.id)))[0]!.status).toBe('active');

    const right = await asStaff(['qr', 'redeem', faraiPass.token, '--pickup-point', m.pointIds[0]!, '--yes', '--json']);
    expect(right.code, right.stderr).toBe(0);
    expect(JSON.parse(right.stdout)).toMatchObject({
      scan: { passId: faraiPass.id, traderName: 'Farai Dube', quantity: 5, redeemable: true },
      redemption: { passId: faraiPass.id, quantity: 5, remainingStock: 0, pickupPoint: { id: m.pointIds[0] } },
    });
  });

  it('needs the token as an argument when there is no terminal to ask on (exit 2)', async () => {
    const res = await asStaff(['qr', 'redeem', '--yes']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('no token given and stdin is not a terminal');
  });
});

describe('cs staff assign: staff belong to pickup points', { timeout: slow }, () => {
  it('assigns a staff account, shows it in cs users show, and a pass for another point is refused without --pickup-point', async () => {
    const asAdmin = cliAs(url, m.admin);
    const glenView = await userWithRole(app, 'staff');
    const usage = await asAdmin(['staff', 'assign', glenView.user.email]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('give --pickup-point <id> (one or more), or --none to unassign');

    const res = await asAdmin(['staff', 'assign', glenView.user.email, '--pickup-point', m.pointIds[1]!, '--json']);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ userId: glenView.user.id, pickupPoints: [{ id: m.pointIds[1] }] });
    const shown = await asAdmin(['users', 'show', glenView.user.email]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^Pickup points\\s+Glen View complex \\(${m.pointIds[1]}\\)$`, 'm'));

    // A fresh pass waiting at Mbare (the first point), scanned by Glen View staff.
    const funded = await fundedGroup(app, m, { title: 'Oil for the wrong point' });
    const rudo = await registerUser(app, { name: 'Rudo Sibanda' });
    await joinAndPay(app, rudo, funded.group.id, 2, { pickupPointId: m.pointIds[0] });
    await advanceTo(app, m, funded.group.id, ['ordered', 'shipped', 'delivered', 'ready_for_pickup']);
    const pass = (await passesOf(rudo))[0]!;
    const asGlenView = cliAs(url, glenView);
    const wrong = await asGlenView(['qr', 'redeem', pass.token, '--yes']);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/^Status\s+active, for another pickup point: cannot be redeemed here$/m);
    expect(wrong.stderr).toContain('Error: Wrong pickup point: This pass is for Mbare Musika stall 14 (Mbare Musika, Mbare Musika, Harare), where you do not work');
    // The API refuses it too, whatever the client does.
    const direct = await app.inject({ method: 'POST', url: `/api/qr/mark-used/${pass.id}`, headers: bearer(glenView.accessToken), payload: {} });
    expect(direct.statusCode).toBe(403);
    expect(direct.json().detail).toContain('you work at Glen View complex');
    expect((await app.ctx.db.select().from(pickupPasses).where(eq(pickupPasses.id, pass.id)))[0]!.status).toBe('active');
  });
});
