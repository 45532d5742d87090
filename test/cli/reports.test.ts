// cs reports against a live server whose events came from real joins, payments and tracked views:
// tables with terminal charts, --csv, --json, and --out report.html, which headless Chromium
// (Debian's, through playwright-core) opens, draws and screenshots (test-output/reports/).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAnalyticsEtl } from '../../api/modules/analytics/etl.ts';
import { liveServer } from '../helpers/app.ts';
import { market, openGroup, payInSandbox, trader } from '../helpers/fixtures.ts';
import { bearer, userWithRole } from '../helpers/users.ts';
import { cliFor, repoRoot, tempConfigDir } from './run.ts';

const chromiumPath = '/usr/bin/chromium';
const shots = path.join(repoRoot, 'test-output', 'reports');

let app: FastifyInstance;
let url: string;
let cs: ReturnType<typeof cliFor>;
beforeAll(async () => {
  ({ app, url } = await liveServer());
  const m = await market(app);
  const group = await openGroup(app, m);
  for (const [quantity, action] of [[4, 'pay'], [2, 'fail'], [6, 'pay']] as const) {
    const t = await trader(app);
    const join = await app.inject({ method: 'POST', url: `/api/groups/${group.id}/join`, headers: bearer(t.accessToken), payload: { quantity, pickupPointId: m.pointIds[0] } });
    await payInSandbox(app, t, join.json().id, action);
    await app.inject({
      method: 'POST',
      url: '/api/analytics/track',
      headers: bearer(t.accessToken),
      payload: { events: [{ eventId: randomUUID(), type: 'group_view', groupId: group.id, occurredAt: new Date().toISOString() }] },
    });
  }
  await runAnalyticsEtl(app.ctx);
  const admin = await userWithRole(app, 'admin');
  cs = cliFor(tempConfigDir(), url);
  expect((await cs(['login', '--email', admin.user.email, '--password-stdin'], { input: 'mbare-market-2026' })).code).toBe(0);
}, 120_000);
afterAll(() => app.close());

describe('cs reports', { timeout: 180_000 }, () => {
  it('prints KPIs as a table with daily sparklines, the funnel with bars and cohorts as a heat table', async () => {
    const k = await cs(['reports', 'kpis']);
    expect(k.code, k.stderr).toBe(0);
    expect(k.stdout).toMatch(/Platform KPIs · \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2} · all markets · all categories/);
    expect(k.stdout).toMatch(/Joins\s+3\s+▁+█/);
    expect(k.stdout).toMatch(/Conversion \(paid joins \/ joins\)\s+66\.7%/);
    expect(k.stdout).toMatch(/Payment success\s+66\.7%/);
    expect(k.stdout).toMatch(/Groups closed \/ succeeded\s+1 \/ 1 \(100\.0%\)/);
    expect(k.stdout).toContain('no events quarantined');

    const f = await cs(['reports', 'funnel']);
    expect(f.stdout).toMatch(/viewed\s+3\s+-\s+█+/);
    expect(f.stdout).toMatch(/paid\s+2\s+66\.7%/);
    const c = await cs(['reports', 'cohorts']);
    expect(c.stdout).toMatch(/WEEK OF\s+TRADERS\s+W0/);
    expect(c.stdout).toMatch(/\d{4}-\d{2}-\d{2}\s+3\s+▓\s+67%/);
    expect((await cs(['reports', 'segments'])).stdout).toMatch(/active\s+bronze\s+2/);
    expect((await cs(['reports', 'kpis', '--from', '2026-13-01'])).code).toBe(2);
  });

  it('--csv and --json for scripts', async () => {
    const csv = await cs(['reports', 'revenue', '--csv']);
    expect(csv.code, csv.stderr).toBe(0);
    const rows = parse(csv.stdout, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ currency: 'USD' });
    const json = JSON.parse((await cs(['reports', 'kpis', '--json'])).stdout);
    expect(json.totals).toMatchObject({ joins: 3, paidJoins: 2, paymentsFailed: 1 });
    expect(Number(rows[0]!.goods)).toBe(json.totals.goods.USD);
  });

  it.skipIf(!fs.existsSync(chromiumPath))('--out writes a self-contained HTML report that Chromium draws', async () => {
    fs.mkdirSync(shots, { recursive: true });
    const out = path.join(shots, 'kpis.html');
    const res = await cs(['reports', 'kpis', '--out', out]);
    expect(res.code, res.stderr).toBe(0);
    const html = fs.readFileSync(out, 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/); // nothing fetched: Chart.js is inside
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 1400 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`file://${out}`);
      await page.waitForFunction('window.chartsDrawn === 2');
      expect(errors).toEqual([]);
      expect(await page.locator('.card').first().textContent()).toContain('Conversion66.7%');
      // The canvas has been drawn on: some of its pixels are not blank.
      const inked = (await page.evaluate(`(() => {
        const canvas = document.querySelector('canvas');
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let n = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n += 1;
        return n;
      })()`)) as number;
      expect(inked).toBeGreaterThan(1000);
      await page.screenshot({ path: path.join(shots, 'kpis.png'), fullPage: true });
      expect(fs.statSync(path.join(shots, 'kpis.png')).size).toBeGreaterThan(10_000);
    } finally {
      await browser.close();
    }
  });
});
