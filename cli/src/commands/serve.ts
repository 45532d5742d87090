// cs serve: runs the API from this checkout in a child process, the same program as `npm start`.
// A child (not an import) keeps the CLI free of server code, as the architecture requires.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, type Command } from 'commander';
import { run } from '../client.ts';
import { failure } from '../output.ts';

// From the source, the checkout's api/main.ts under tsx; from dist/ (npm run build), dist/api/main.js on plain Node.
const compiled = import.meta.url.endsWith('.js');
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const apiMain = path.join(repoRoot, 'api', compiled ? 'main.js' : 'main.ts');

function port(value: string): string {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number, 0-65535');
  return String(n);
}

interface ServeOptions {
  port?: string;
  host?: string;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Run the API server from this repository checkout (like `npm start`)')
    .option('--port <port>', 'port to listen on (sets PORT; default 3000)', port)
    .option('--host <host>', 'address to bind (sets HOST; default 127.0.0.1)')
    .option('--json', 'accepted for uniformity; the server logs JSON lines already')
    .addHelpText('after', '\nEvery other setting comes from the environment (DATA_DIR, DATABASE_URL, ADMIN_EMAIL, …), as for `npm start`.')
    .action((opts: ServeOptions, cmd: Command) =>
      run(cmd, async () => {
        if (!fs.existsSync(apiMain)) throw failure('No API here', `cs serve runs the API from a ConnectSphere checkout; ${apiMain} does not exist`);
        const env = { ...process.env };
        if (opts.port !== undefined) env.PORT = opts.port;
        if (opts.host !== undefined) env.HOST = opts.host;
        // tsx resolved from the CLI's own dependencies so `cs serve` works from any working directory.
        const args = compiled ? [apiMain] : ['--import', import.meta.resolve('tsx'), apiMain];
        // cwd is the repository root so relative paths (DATA_DIR=./.data) mean what they mean for `npm start`.
        const child = spawn(process.execPath, args, { cwd: compiled ? path.dirname(repoRoot) : repoRoot, env, stdio: 'inherit' });

        // The server shuts down gracefully on SIGINT/SIGTERM; pass them on instead of dying first and
        // orphaning it. A terminal's Ctrl+C reaches both processes; the server ignores the repeat.
        const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
        const forward = (signal: NodeJS.Signals) => child.kill(signal);
        for (const s of signals) process.on(s, forward);

        const code = await new Promise<number>((resolve, reject) => {
          child.once('error', reject);
          child.once('exit', (status, signal) => resolve(status ?? 128 + (signal ? os.constants.signals[signal] : 0)));
        });
        for (const s of signals) process.off(s, forward);
        process.exitCode = code;
      }),
    );
}
