// Runs the real `cs` binary as a child process. Asynchronous on purpose: the API under test runs in this
// process, and a synchronous spawn would block the event loop it answers on.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(repoRoot, 'cli', 'bin', 'cs.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Written to stdin, which is then closed (stdin is a pipe, never a terminal). */
  input?: string;
  /** Extra variables; `undefined` removes one. */
  env?: Record<string, string | undefined>;
  /** How long the command may take before it is killed (default 25 s). */
  timeoutMs?: number;
}

export function tempConfigDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'cs-cli-'));
}

function cliEnv(options: CliOptions): Record<string, string> {
  // Start from a clean slate so the developer's own CS_* settings never leak into a test.
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('CS_') && v !== undefined) env[k] = v;
  env.NO_COLOR = '1';
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/**
 * A `cs` still running, for commands that wait (cs pay): `output(re)` resolves once stdout matches,
 * so the test can act (pay on the checkout) while the command waits; `done` is its result.
 */
export function startCli(args: string[], options: CliOptions = {}) {
  const child = spawn(process.execPath, [bin, ...args], { cwd: repoRoot, env: cliEnv(options), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      const m = stdout.match(w.re);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  child.stdout.setEncoding('utf8').on('data', (d: string) => ((stdout += d), check()));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  child.stdin.end(options.input ?? '');
  const output = (re: RegExp) =>
    Promise.race([
      new Promise<RegExpMatchArray>((resolve) => (waiters.push({ re, resolve }), check())),
      done.then((r) => Promise.reject(new Error(`cs exited (${r.code}) before printing ${re}: ${r.stdout}\n${r.stderr}`))),
    ]);
  return { child, output, done, stderr: () => stderr };
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const env = cliEnv(options);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: repoRoot, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 25_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** A `cs` bound to one config dir and API URL, as one person's shell would be. */
export function envFor(configDir: string, apiUrl: string, options: CliOptions = {}): CliOptions {
  return { ...options, env: { CS_CONFIG_DIR: configDir, CS_API_URL: apiUrl, ...options.env } };
}

export function cliFor(configDir: string, apiUrl: string) {
  return (args: string[], options: CliOptions = {}) =>
    runCli(args, { ...options, env: { CS_CONFIG_DIR: configDir, CS_API_URL: apiUrl, ...options.env } });
}

export function readConfig(configDir: string): {
  currentProfile: string;
  profiles: Record<string, { apiUrl: string; accessToken?: string; refreshToken?: string; email?: string }>;
} {
  return JSON.parse(fs.readFileSync(path.join(configDir, 'config.json'), 'utf8'));
}
