// `npm start` as a person or a process manager runs it: logs are one JSON object per line when stdout
// is not a terminal and pino-pretty lines on one; SIGTERM stops it cleanly (exit 0) with no child
// process left behind (npm, a shell and tsx used to leave the server running).
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './cli/run.ts';

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

/** Whether any process is left in the process group (kill with signal 0 only checks). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function env() {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-start-'));
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('npm_')) vars[k] = v;
  Object.assign(vars, { PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, SEED_DEMO_DATA: 'false', ML_TRAIN_ON_START: 'false', NODE_ENV: 'development' });
  delete vars.DATABASE_URL;
  return { port, dataDir, vars };
}

describe('npm start', { timeout: 180_000 }, () => {
  it('logs JSON lines to a pipe and stops on SIGTERM with exit 0 and no child left', async () => {
    const { dataDir, vars } = await env();
    // Its own process group, so every process it starts can be looked for afterwards.
    const child = spawn('npm', ['start'], { cwd: repoRoot, env: vars, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 120_000;
    while (!out.includes('Server listening') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 200));
    expect(out, out).toContain('Server listening');

    const logLines = out.split('\n').filter((l) => l.startsWith('{'));
    expect(logLines.length).toBeGreaterThan(2);
    for (const line of logLines) expect(JSON.parse(line)).toHaveProperty('level');

    process.kill(child.pid!, 'SIGTERM');
    expect(await exited).toBe(0);
    // The server finishes its shutdown within its 10 s limit (api/shutdown.ts); after that nothing it
    // started may be left (tsx under npm used to leave the server and esbuild running for good).
    const until = Date.now() + 15_000;
    while (groupAlive(child.pid!) && Date.now() < until) await new Promise((r) => setTimeout(r, 250));
    const alive = groupAlive(child.pid!);
    if (alive) process.kill(-child.pid!, 'SIGKILL');
    expect(alive).toBe(false);
    expect(out).toContain('shutting down');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('logs readable lines (pino-pretty) on a terminal', async () => {
    const { dataDir, vars } = await env();
    // `script` gives the server a pseudo-terminal; it is stopped once it listens.
    const command = `${process.execPath} --import tsx api/main.ts & pid=$!; for i in $(seq 1 600); do sleep 0.2; [ -e "$DATA_DIR/stop" ] && break; done; kill -TERM $pid; wait $pid`;
    const stopper = setInterval(() => {
      // The server is up once it answers; then ask the script's loop to stop it.
      void fetch(`http://127.0.0.1:${vars.PORT}/health`).then(
        () => fs.writeFileSync(path.join(dataDir, 'stop'), ''),
        () => undefined,
      );
    }, 500);
    const { stdout } = await promisify(execFile)('script', ['-qec', command, '/dev/null'], { cwd: repoRoot, env: vars, timeout: 150_000 });
    clearInterval(stopper);
    const text = stdout.replace(/\x1b\[[0-9;]*m/g, '').replace(/\r/g, '');
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: Server listening at http:\/\/127\.0\.0\.1:\d+$/m);
    expect(text).not.toMatch(/^\{"level"/m);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
