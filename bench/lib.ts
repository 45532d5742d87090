import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';

export const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
export const duration = Number(process.env.BENCH_DURATION ?? 5);
export const connections = Number(process.env.BENCH_CONNECTIONS ?? 20);

export interface Server {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts a TypeScript entry point as its own process (so load and server do not share a core's event loop). */
export async function startServer(entry: string, env: Record<string, string>, port: number): Promise<Server> {
  // BENCH_NODE_FLAGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") go to the API's node, for profiling.
  const flags = entry === 'api/main.ts' ? (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean) : [];
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', entry], {
    cwd: root,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) break;
    } catch {
      /* not up yet */
    }
    if (child.exitCode !== null) throw new Error(`${entry} exited with ${child.exitCode}`);
    if (Date.now() - started > 120_000) throw new Error(`${entry} did not start within 120 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    process: child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * With DATABASE_URL (a server), each bench server gets a fresh database of its own on it, dropped
 * at exit, so runs never see each other's data.
 */
export async function freshDatabaseEnv(): Promise<Record<string, string>> {
  const server = process.env.DATABASE_URL;
  if (!server) return {};
  const { default: pg } = await import('pg');
  const name = `cs_bench_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  created.push({ server, name });
  const url = new URL(server);
  url.pathname = `/${name}`;
  return { DATABASE_URL: url.toString() };
}

const created: { server: string; name: string }[] = [];

export async function dropBenchDatabases(): Promise<void> {
  const { default: pg } = await import('pg');
  for (const { server, name } of created.splice(0)) {
    const admin = new pg.Client({ connectionString: server });
    await admin.connect();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

export const tempDataDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'cs-bench-'));

export interface Measurement {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** CPU time the server process spent per request (user + system): what other load on the machine moves least. */
  cpuMsPerRequest?: number;
}

/** CPU time a process has used so far, in ms (Linux, from /proc; clock ticks of 10 ms). */
export function cpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU ms spent so far by every process named `name` (PostgreSQL's backends: `postgres`); ended ones are not counted. */
export function cpuMsOfAll(name: string): number {
  let total = 0;
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) === name) total += cpuMs(Number(pid));
    } catch {
      // Gone between the listing and the read.
    }
  }
  return total;
}

/** Load from autocannon; with `server`, also the CPU that process spent per request. */
export async function measure(name: string, options: autocannon.Options, server?: Server): Promise<Measurement> {
  const pid = server?.process.pid;
  const cpuBefore = pid ? cpuMs(pid) : 0;
  const result = await autocannon({ duration, connections, ...options });
  return {
    name,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
    ...(pid ? { cpuMsPerRequest: (cpuMs(pid) - cpuBefore) / Math.max(1, result.requests.total) } : {}),
  };
}

export function report(title: string, baseline: Measurement, rows: Measurement[]): void {
  console.log(`\n${title} (${duration} s each, ${connections} connections)`);
  const header = ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'non-2xx', 'throughput vs bare', 'API CPU ms/req'];
  const lines = [baseline, ...rows].map((m) => [
    m.name,
    m.requestsPerSecond.toFixed(0),
    m.p50.toFixed(1),
    m.p99.toFixed(1),
    String(m.errors),
    String(m.non2xx),
    m === baseline ? '1.00 (baseline)' : (m.requestsPerSecond / baseline.requestsPerSecond).toFixed(3),
    m.cpuMsPerRequest === undefined ? '' : m.cpuMsPerRequest.toFixed(3),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(fmt(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const l of lines) console.log(fmt(l));
}
