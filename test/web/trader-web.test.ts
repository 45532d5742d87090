// examples/trader-web end to end in headless Chromium (Debian's, driven by playwright-core): the app
// as `npm run example:web` serves it (Vite, the SDK's browser build) against a live API that allows its
// origin by CORS. A trader registers, sets preferences, sees recommendations with reasons, filters the
// groups, joins one, pays on the sandbox checkout (which shows item, quantity, goods, fee and total),
// and, once an admin has moved the group to ready_for_pickup, shows the pass QR, which zbarimg decodes.
// Screenshots of every step go to test-output/trader-web/ (gitignored) for people to look at.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectSphere } from '@connectsphere/sdk';
import { seedDemoData } from '../../api/seed/demo.ts';
import { liveServer } from '../helpers/app.ts';
import { acquireBuildLock } from '../helpers/build-lock.ts';
import { market, openGroup, type Market } from '../helpers/fixtures.ts';
import { bearer } from '../helpers/users.ts';
import { repoRoot } from '../cli/run.ts';
import { demoAdmin, train, waitForRun } from '../ml-api/helpers.ts';

const chromiumPath = '/usr/bin/chromium';
const hasChromium = fs.existsSync(chromiumPath);
if (!hasChromium) console.warn(`${chromiumPath} is missing (Debian's chromium; .ci/run installs it): the trader web app test is skipped`);
const zbarimg = ['/usr/bin/zbarimg', '/usr/local/bin/zbarimg'].find((f) => fs.existsSync(f));
const shots = path.join(repoRoot, 'test-output', 'trader-web');
const run = promisify(execFile);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

let app: FastifyInstance;
let apiUrl: string;
let webUrl: string;
let m: Market;
let group: { id: string };
let vite: ChildProcess | undefined;
let releaseBuild: (() => void) | undefined;
let browser: import('playwright-core').Browser | undefined;
let page: import('playwright-core').Page;
let step = 0;

async function shot(name: string): Promise<void> {
  step += 1;
  await page.screenshot({ path: path.join(shots, `${String(step).padStart(2, '0')}-${name}.png`), fullPage: true });
}

describe.skipIf(!hasChromium)('examples/trader-web in Chromium', { timeout: 300_000 }, () => {
  beforeAll(async () => {
    fs.rmSync(shots, { recursive: true, force: true });
    fs.mkdirSync(shots, { recursive: true });
    // The app imports the SDK's browser build; the lock keeps the package test from rebuilding it meanwhile.
    releaseBuild = await acquireBuildLock();
    await run('npm', ['run', 'build'], { cwd: path.join(repoRoot, 'sdk'), timeout: 240_000 });
    // The app type-checks against the package's .d.ts, as a partner's would.
    await run(process.execPath, [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', 'examples/trader-web/tsconfig.json'], { cwd: repoRoot, timeout: 180_000 });

    const webPort = await freePort();
    webUrl = `http://127.0.0.1:${webPort}`;
    ({ app, url: apiUrl } = await liveServer({ CORS_ORIGINS: webUrl, ML_TRAIN_ON_START: 'false' }));
    await seedDemoData(app.ctx.db, { traders: 60 });
    const admin = await demoAdmin(app);
    const { run: training } = await waitForRun(app, admin, (await train(app, admin)).id, 180_000);
    expect(training.status, training.error ?? '').toBe('succeeded');
    m = await market(app);
    group = await openGroup(app, m, { title: 'Harare web oil', moq: 5, maxPerTrader: 10 });

    // What `npm run example:web` runs after building the SDK.
    vite = spawn(process.execPath, [path.join(repoRoot, 'node_modules/vite/bin/vite.js'), '--config', 'examples/trader-web/vite.config.ts', '--port', String(webPort)], {
      cwd: repoRoot,
      env: { ...process.env, CS_API_URL: apiUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    vite.stdout!.on('data', (d) => (out += d));
    vite.stderr!.on('data', (d) => (out += d));
    const until = Date.now() + 60_000;
    // Vite colours the port (ANSI escapes inside the URL), so read its output without them.
    const plain = () => out.replace(/\x1b\[[0-9;]*m/g, '');
    while (!plain().includes(webUrl) && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    expect(plain(), out).toContain(webUrl);

    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
    // A phone-sized screen: the app is mobile first.
    page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    // Building the SDK, training a model and starting Vite take minutes on a loaded 2-core machine.
  }, 540_000);

  afterAll(async () => {
    await browser?.close();
    vite?.kill('SIGTERM');
    releaseBuild?.();
    await app?.close();
  });

  it('walks the trader journey: register, preferences, recommendations, filter, join, pay, pass QR', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    await page.goto(webUrl);
    await page.fill('#name', 'Tatenda Web');
    await page.fill('#email', 'tatenda.web@example.co.zw');
    await page.fill('#phone', '0773 456 789');
    await page.fill('#market', 'Glen View');
    await page.fill('#password', 'glen-view-web-2026');
    await shot('register');
    await page.click('#register button');

    await page.waitForSelector('#prefs');
    await page.check('input[name=categories][value=cooking-oil]');
    await page.fill('#budget-min', '10');
    await page.fill('#budget-max', '200');
    await page.selectOption('#frequency', 'weekly');
    await shot('preferences');
    await page.click('#prefs button');

    await page.waitForSelector('.reasons li');
    const reasons = await page.locator('.reasons li').allTextContents();
    expect(reasons.length).toBeGreaterThan(0);
    expect(reasons.every((r) => r.trim().length > 5)).toBe(true);
    await shot('recommendations');

    await page.click('nav a[href="#/groups"]');
    await page.waitForSelector('#filters');
    await page.selectOption('#f-category', 'cooking-oil');
    await page.selectOption('#f-sort', 'newest');
    await page.fill('#f-market', 'Glen View');
    await page.click('#filters button');
    await page.waitForFunction("location.hash.includes('category=cooking-oil')");
    const card = page.locator(`article[data-group="${group.id}"]`);
    await card.waitFor();
    const titles = await page.locator('article h2').allTextContents();
    expect(titles[0]).toBe('Harare web oil');
    expect(await page.locator('article .meta:has-text("cooking-oil")').count()).toBe(titles.length);
    await shot('groups-filtered');

    await card.locator('button.join').click();
    await page.waitForSelector('#join');
    await page.fill('#quantity', '5');
    await page.selectOption('#point', m.pointIds[1]!);
    await page.locator('#total:has-text("USD 21.00")').waitFor();
    await shot('join');
    await page.click('#join button');

    // The sandbox checkout, on the API's origin: what is being paid for.
    await page.waitForURL(/\/api\/payments\/sandbox\/checkout\//);
    const checkout = await page.locator('body').innerText();
    expect(checkout).toContain('Harare web oil');
    expect(checkout).toMatch(/Quantity\s+5 × 2 L bottle/);
    expect(checkout).toMatch(/Goods\s+USD 21\.00/);
    expect(checkout).toMatch(/Fee\s+USD 2\.10/);
    expect(checkout).toMatch(/Total\s+USD 23\.10/);
    await shot('checkout');
    await page.click('form:has(input[value=pay]) button');

    await page.waitForURL(new RegExp(`^${webUrl}`));
    await page.locator('h1:has-text("Payment received")').waitFor();
    expect(await page.locator('#payment').innerText()).toContain('Total USD 23.10');
    await shot('paid');

    // The goods arrive: an admin moves the funded group along, through the SDK as a partner tool would.
    const admin = new ConnectSphere({ baseUrl: apiUrl, retries: 0 });
    await admin.auth.login({ email: 'admin@demo.connectsphere.co.zw', password: 'harare-demo-2026' });
    expect((await admin.groups.get(group.id)).status).toBe('funded');
    for (const to of ['ordered', 'shipped', 'delivered', 'ready_for_pickup'] as const) await admin.groups.transition(group.id, { to });

    await page.click('nav a[href="#/mine"]');
    const qr = page.locator('img.qr');
    await qr.waitFor();
    await page.waitForFunction("document.querySelector('img.qr')?.naturalWidth > 0");
    expect(await page.locator('article.pass h2').innerText()).toBe('Collect 5 × Sunflower cooking oil (2 L bottle)');
    expect(await page.locator('article.pass').innerText()).toContain('Glen View complex');
    await shot('pickup-pass');

    if (zbarimg) {
      const file = path.join(shots, 'pass-qr.png');
      await qr.screenshot({ path: file });
      const session = JSON.parse(await page.evaluate<string>("localStorage.getItem('connectsphere.tokens')")) as { accessToken: string };
      const passes = (await app.inject({ url: '/api/qr/passes', headers: bearer(session.accessToken) })).json().items as { token: string }[];
      expect((await run(zbarimg, ['--quiet', '--raw', file])).stdout.trim()).toBe(passes[0]!.token);
    }
    expect(errors).toEqual([]);
  });

  it('the API reference at /docs is ConnectSphere’s, with no stray backticks', async () => {
    await page.goto(`${apiUrl}/docs`);
    await page.waitForSelector('.opblock');
    expect(await page.title()).toBe('ConnectSphere API reference');
    await shot('api-docs');
    expect(await page.locator('body').innerText()).not.toContain('`');
  });
});
