/** @jsxRuntime automatic */
/** @jsxImportSource react */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { render } from 'ink-testing-library';
import { ConnectSphere } from '@connectsphere/sdk';
import { adminChanges } from '../../cli/src/dashboard/changes.ts';
import { loadDashboard } from '../../cli/src/dashboard/data.ts';
import { LiveDashboard } from '../../cli/src/views/dashboard.tsx';
import { sparkline } from '../../cli/src/charts.ts';
import { liveServer } from '../helpers/app.ts';
import { chatGroup, type ChatGroup } from '../helpers/chat.ts';
import { cliFor, tempConfigDir } from './run.ts';

let app: FastifyInstance;
let url: string;
let g: ChatGroup;

beforeAll(async () => {
  ({ app, url } = await liveServer({ LOGIN_MAX_PER_ADDRESS: '1000' }));
  g = await chatGroup(app);
});
afterAll(() => app.close());

const waitFor = async (check: () => boolean, ms = 20_000) => {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('cs dashboard', { timeout: 120_000 }, () => {
  it('draws open groups with progress bars, the hourly sparklines and model health from a real server, and leaves on q', async () => {
    const cs = new ConnectSphere({ baseUrl: url });
    await cs.auth.login({ email: g.admin.user.email, password: 'mbare-market-2026' });
    let exited = false;
    const view = render(<LiveDashboard load={() => loadDashboard(cs)} intervalMs={200} color={false} onExit={() => (exited = true)} />);
    await waitFor(() => (view.lastFrame() ?? '').includes('Open groups by progress'));
    const frame = view.lastFrame()!;
    expect(frame).toMatch(/Roller meal 10 kg.*░+\s+0%\s+0\/20 paid · 2 in · 2d 23h left/);
    expect(frame).toMatch(/payments\s+▁{12}\s+0 confirmed, 0 failed/);
    expect(frame).toMatch(/pickups\s+▁{12}\s+0 collected/);
    expect(frame).toMatch(/Recommendation model\s+(no_model|ok|stale|training)( ·[^\n]*)? · \d+\/\d+ new interactions/);
    expect(frame).toContain('q to quit');
    view.stdin.write('q');
    await waitFor(() => exited);
    view.unmount();
  });

  it('redraws as soon as the WebSocket carries a change, long before its interval', async () => {
    const cs = new ConnectSphere({ baseUrl: url });
    await cs.auth.login({ email: g.admin.user.email, password: 'mbare-market-2026' });
    // An interval of ten minutes: only an event can make this view read again within the test.
    const view = render(<LiveDashboard load={() => loadDashboard(cs)} intervalMs={600_000} color={false} changes={adminChanges(cs)} />);
    await waitFor(() => /·\s+live\s+·/.test(view.lastFrame() ?? '') && /Roller meal 10 kg.*2 in/.test(view.lastFrame() ?? ''));
    const join = await app.inject({ method: 'POST', url: `/api/groups/${g.groupId}/join`, headers: { authorization: `Bearer ${g.outsider.accessToken}` }, payload: { quantity: 3 } });
    expect(join.statusCode, join.body).toBe(201);
    await waitFor(() => /Roller meal 10 kg.*3 in/.test(view.lastFrame() ?? ''), 10_000);
    view.unmount();
  });

  it('scales a sparkline to its maximum', () => {
    expect(sparkline([0, 1, 2, 4, 8])).toBe('▁▂▃▅█');
    expect(sparkline([0, 0])).toBe('▁▁');
  });

  it('prints one frame with --once, refuses the live view without a terminal, and needs an admin', async () => {
    const cli = cliFor(tempConfigDir(), url);
    expect((await cli(['login', '--email', g.admin.user.email, '--password-stdin'], { input: 'mbare-market-2026' })).code).toBe(0);
    const once = await cli(['dashboard', '--once']);
    expect(once.code, once.stderr).toBe(0);
    expect(once.stdout).toContain('Open groups by progress');
    expect(once.stdout).toContain('Roller meal 10 kg');
    expect(once.stdout).not.toContain('q to quit');
    const json = JSON.parse((await cli(['dashboard', '--once', '--json'])).stdout);
    expect(json.activity.value).toHaveLength(12);
    const live = await cli(['dashboard']);
    expect(live.code).toBe(2);
    expect(live.stderr).toContain('needs a terminal; use --once');
    const trader = cliFor(tempConfigDir(), url);
    await trader(['login', '--email', g.outsider.user.email, '--password-stdin'], { input: 'mbare-market-2026' });
    const refused = await trader(['dashboard', '--once']);
    expect(refused.stdout).toContain('unavailable: 403');
  });
});
