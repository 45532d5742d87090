// WebSocket fan-out: the latency from the request that causes a group event to its arrival at each
// of 1,000 subscribers of that group, on one API process and (with DATABASE_URL) with the
// subscribers split over two API processes on one PostgreSQL (the event crosses by LISTEN/NOTIFY).
// The baseline is a bare `ws` server broadcasting an HTTP request's body, measured by the same
// client in the same run. The event is a chat message (POST /api/groups/{id}/chat/messages): a
// group event that changes no money, so it can be sent hundreds of times.
import WebSocket from 'ws';
import { freshDatabaseEnv, startServer, tempDataDir, type Server } from './lib.ts';

const subscribers = Number(process.env.BENCH_WS_SUBSCRIBERS ?? 1000);
const events = Number(process.env.BENCH_WS_EVENTS ?? 100);
const adminEmail = 'bench-admin@example.co.zw';
const adminPassword = 'bench-admin-password-2026';

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? 0;

interface Result {
  name: string;
  p50: number;
  p99: number;
  max: number;
  delivered: number;
  expected: number;
}

/** Opens `n` sockets to `urls` in turn; `ready(ws)` resolves when one is ready to receive. */
async function openSockets(urls: string[], n: number, ready: (ws: WebSocket) => Promise<void>): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  // A few hundred at a time: opening a thousand at once only measures the accept queue.
  for (let i = 0; i < n; i += 200) {
    const batch = Array.from({ length: Math.min(200, n - i) }, (_, j) => {
      const ws = new WebSocket(urls[(i + j) % urls.length]!);
      sockets.push(ws);
      return new Promise<void>((resolve, reject) => {
        ws.once('error', reject);
        ws.once('open', () => ready(ws).then(resolve, reject));
      });
    });
    await Promise.all(batch);
  }
  return sockets;
}

/**
 * Sends `events` triggers one after another; each waits until every socket has seen its marker.
 * Latency = arrival − the moment the trigger request was sent, per socket and event.
 */
async function run(name: string, sockets: WebSocket[], fire: (marker: string) => Promise<void>, markerOf: (data: string) => string | undefined): Promise<Result> {
  const latencies: number[] = [];
  let pending: { marker: string; sentAt: number; left: number; done: () => void } | undefined;
  let delivered = 0;
  for (const ws of sockets) {
    ws.on('message', (raw) => {
      const marker = markerOf(raw.toString());
      if (!pending || marker !== pending.marker) return;
      latencies.push(performance.now() - pending.sentAt);
      delivered += 1;
      if (--pending.left === 0) pending.done();
    });
  }
  for (let i = 0; i < events; i++) {
    const marker = `fanout-${i}-${Math.random().toString(36).slice(2, 8)}`;
    const all = new Promise<void>((resolve) => (pending = { marker, sentAt: performance.now(), left: sockets.length, done: resolve }));
    await fire(marker);
    await Promise.race([all, new Promise((r) => setTimeout(r, 10_000))]);
  }
  pending = undefined;
  return { name, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: Math.max(0, ...latencies), delivered, expected: sockets.length * events };
}

async function bare(): Promise<Result> {
  const server = await startServer('bench/bare-ws-server.ts', {}, 3920);
  const sockets = await openSockets([server.url.replace('http', 'ws')], subscribers, async () => undefined);
  try {
    return await run(
      'bare ws broadcast',
      sockets,
      async (marker) => void (await fetch(`${server.url}/fire`, { method: 'POST', body: JSON.stringify({ marker }) })),
      (data) => (JSON.parse(data) as { marker?: string }).marker,
    );
  } finally {
    for (const ws of sockets) ws.terminate();
    await server.stop();
  }
}

async function post(url: string, body: unknown, token?: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${url}: ${res.status} ${text}`);
  return JSON.parse(text) as Record<string, any>;
}

/** A verified organisation's product and an open group of it, made through the API as an admin would. */
async function groupFor(api: string, admin: string): Promise<string> {
  const org = await post(`${api}/api/suppliers/register`, {
    organisation: {
      name: 'Fanout Wholesalers', registrationNumber: '9100/2019', taxNumber: '200099999', contactName: 'Farai Ndlovu', area: 'Msasa',
      address: '14 Mutare Road, Msasa, Harare', phone: '0242487000', email: 'sales@fanout.co.zw', categories: ['mealie-meal'],
      payoutAccount: { method: 'bank', bankCode: 'CBZ', bankName: 'CBZ Bank', accountNumber: '01203400091', accountName: 'Fanout Wholesalers' },
    },
    user: { email: 'owner@fanout.co.zw', name: 'Farai Ndlovu', password: 'msasa-grain-2026', phone: '0772000111' },
  });
  await fetch(`${api}/api/admin/suppliers/${org.organisation.id}/verify`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } });
  const owner = org.session.accessToken as string;
  const product = await post(`${api}/api/supplier/products`, { sku: 'FAN-1', name: 'Roller meal 10 kg', description: 'White roller meal', category: 'mealie-meal', unit: '10 kg bag', unitPrice: 650, stock: 500 }, owner);
  const point = await post(`${api}/api/pickup-points`, { name: 'Mbare stall', market: 'Mbare Musika', address: 'Mbare Musika, Harare', openingHours: 'Mon-Sat 07:00-17:00' }, admin);
  const group = await post(`${api}/api/groups`, { productId: product.id, moq: 20, deadline: new Date(Date.now() + 3 * 86_400_000).toISOString(), pickupPointIds: [point.id] }, admin);
  return group.id as string;
}

async function throughApi(name: string, servers: Server[], groupId: string, admin: string): Promise<Result> {
  const [a] = servers;
  const channel = `group:${groupId}`;
  const urls = servers.map((s) => `${s.url.replace('http', 'ws')}/api/ws?token=${encodeURIComponent(admin)}`);
  const sockets = await openSockets(urls, subscribers, (ws) => {
    return new Promise<void>((resolve, reject) => {
      const onMessage = (raw: WebSocket.RawData) => {
        const m = JSON.parse(raw.toString()) as { type: string; channel?: string; message?: string };
        if (m.type === 'authenticated') ws.send(JSON.stringify({ type: 'subscribe', channel }));
        else if (m.type === 'subscribed' && m.channel === channel) (ws.off('message', onMessage), resolve());
        else if (m.type === 'error') reject(new Error(m.message));
      };
      ws.on('message', onMessage);
    });
  });
  try {
    // Every event is caused through the first process; with two, half the subscribers hear it via NOTIFY.
    return await run(
      name,
      sockets,
      async (marker) => void (await post(`${a!.url}/api/groups/${groupId}/chat/messages`, { text: marker }, admin)),
      (data) => {
        const m = JSON.parse(data) as { type: string; event?: { type: string; data: { text?: string } } };
        return m.type === 'event' && m.event?.type === 'chat.message' ? m.event.data.text : undefined;
      },
    );
  } finally {
    for (const ws of sockets) ws.terminate();
  }
}

export async function benchWsFanout(): Promise<void> {
  const baseline = await bare();
  const env: Record<string, string> = {
    ...(await freshDatabaseEnv()),
    ADMIN_EMAIL: adminEmail,
    ADMIN_PASSWORD: adminPassword,
    SEED_DEMO_DATA: 'false',
    ML_TRAIN_ON_START: 'false',
    JOBS_ENABLED: 'false',
    CHAT_MAX_POSTS_PER_MINUTE: '100000',
    REGISTER_MAX_PER_ADDRESS: '100000',
    LOGIN_MAX_PER_ADDRESS: '100000',
  };
  const rows: Result[] = [];
  const shared = tempDataDir();
  const keys = { JWT_KEYS_FILE: `${shared}/jwt-keys.json` };
  const a = await startServer('api/main.ts', { ...env, ...keys, DATA_DIR: shared }, 3921);
  try {
    const { accessToken: admin } = await post(`${a.url}/api/auth/login`, { email: adminEmail, password: adminPassword });
    const groupId = await groupFor(a.url, admin);
    rows.push(await throughApi(`API, 1 process (${env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, [a], groupId, admin));
    if (env.DATABASE_URL) {
      // The second process shares the signing keys (same DATA_DIR files) and the database.
      const b = await startServer('api/main.ts', { ...env, ...keys, DATA_DIR: tempDataDir() }, 3922);
      try {
        rows.push(await throughApi('API, 2 processes (NOTIFY)', [a, b], groupId, admin));
      } finally {
        await b.stop();
      }
    }
  } finally {
    await a.stop();
  }
  console.log(`\nWebSocket fan-out: one group event to ${subscribers} subscribers, ${events} events, latency from the causing request`);
  const header = ['scenario', 'p50 ms', 'p99 ms', 'max ms', 'delivered', 'p99 vs bare'];
  const lines = [baseline, ...rows].map((r) => [r.name, r.p50.toFixed(1), r.p99.toFixed(1), r.max.toFixed(1), `${r.delivered}/${r.expected}`, r === baseline ? '1.00 (baseline)' : (r.p99 / Math.max(0.001, baseline.p99)).toFixed(2)]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(fmt(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const l of lines) console.log(fmt(l));
  console.log('target: p99 under 50 ms on this 2-core machine');
}
