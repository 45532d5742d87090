// The Dockerfile and compose.yaml, checked without Docker (this machine has none): they parse, the
// image is multi-stage and runs as a non-root user with a healthcheck, and every command they run
// exists: npm scripts in package.json, `node dist/...` entries that `npm run build` writes.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');
const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
const buildConfig = JSON.parse(read('tsconfig.build.json').replace(/^\s*\/\/.*$/gm, '')) as { include: string[]; compilerOptions: { outDir: string; rootDir: string } };

interface Instruction {
  op: string;
  args: string;
}

/** Dockerfile instructions, with continuation lines joined and comments dropped. */
function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(' ') };
    });
}

/**
 * The file a `node dist/<path>.js` command runs is the build's output of <path>.ts (or a .js file
 * the build copies), inside what tsconfig.build.json compiles.
 */
function assertBuiltEntry(entry: string): void {
  expect(entry).toMatch(/^dist\/.+\.js$/);
  expect(buildConfig.compilerOptions).toMatchObject({ outDir: 'dist', rootDir: '.' });
  const source = entry.replace(/^dist\//, '').replace(/\.js$/, '.ts');
  expect(fs.existsSync(path.join(root, source)), `${entry} is built from ${source}`).toBe(true);
  expect(buildConfig.include.some((dir) => source.startsWith(`${dir}/`)), `${source} is in tsconfig.build.json`).toBe(true);
}

/** Checks one command (exec form or shell form): npm scripts exist, node runs a built entry. */
function assertRunnable(command: string[]): void {
  if (command[0] === 'npm') {
    const name = command[1] === 'run' ? command[2]! : command[1]!;
    expect(Object.keys(scripts), `npm ${command.join(' ')}`).toContain(name);
  } else if (command[0] === 'node' && command[1] !== '-e') {
    assertBuiltEntry(command[1]!);
  }
}

describe('Dockerfile', () => {
  const steps = instructions(read('Dockerfile'));
  const stages = steps.filter((s) => s.op === 'FROM');
  const finalStage = steps.slice(steps.lastIndexOf(stages.at(-1)!));

  it('builds in one stage and runs from another, on Node 20', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) expect(s.args).toMatch(/^node:20\b/);
    const names = stages.map((s) => s.args.split(/\s+AS\s+/i)[1]);
    for (const copy of finalStage.filter((s) => s.op === 'COPY' && s.args.includes('--from='))) {
      expect(names).toContain(/--from=(\S+)/.exec(copy.args)![1]);
    }
  });

  it('runs as a non-root user, with a healthcheck on /health, the built API as its command', () => {
    const user = finalStage.filter((s) => s.op === 'USER').at(-1);
    expect(user?.args).toBeDefined();
    expect(user!.args).not.toMatch(/^(root|0)(:|$)/);
    const health = finalStage.find((s) => s.op === 'HEALTHCHECK');
    expect(health?.args).toContain('/health');
    const cmd = JSON.parse(finalStage.filter((s) => s.op === 'CMD').at(-1)!.args) as string[];
    expect(cmd).toEqual(['node', 'dist/api/main.js']);
    assertRunnable(cmd);
  });

  it('copies files that exist and runs npm commands that exist', () => {
    for (const step of steps) {
      if (step.op === 'COPY' && !step.args.includes('--from=')) {
        const parts = step.args.split(/\s+/).filter((p) => !p.startsWith('--'));
        for (const src of parts.slice(0, -1)) expect(fs.existsSync(path.join(root, src)), `COPY ${src}`).toBe(true);
      }
      if (step.op === 'RUN') {
        for (const [, name] of step.args.matchAll(/npm run (\S+)/g)) expect(Object.keys(scripts)).toContain(name);
      }
    }
    expect(read('.dockerignore').split('\n')).toEqual(expect.arrayContaining(['node_modules', 'dist', '.data']));
  });
});

describe('compose.yaml', () => {
  const compose = YAML.parse(read('compose.yaml')) as {
    services: Record<string, { image?: string; build?: unknown; command?: string[]; environment?: Record<string, string>; depends_on?: Record<string, unknown>; ports?: string[] }>;
  };

  it('runs the API, the jobs and PostgreSQL; API and jobs on the same database, the jobs only in the jobs service', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'jobs', 'postgres']);
    const { api, jobs, postgres } = compose.services;
    expect(postgres!.image).toMatch(/^postgres:15\b/); // the Dockerfile's pg_dump is version 15
    expect(api!.environment!.DATABASE_URL).toMatch(/^postgres:\/\/.+@postgres:5432\//);
    expect(jobs!.environment!.DATABASE_URL).toBe(api!.environment!.DATABASE_URL);
    expect(api!.environment!.JOBS_ENABLED).toBe('false');
    expect(api!.ports).toEqual(['127.0.0.1:3000:3000']);
    expect(Object.keys(api!.depends_on!)).toEqual(['postgres']);
  });

  it('runs commands that the build writes', () => {
    expect(compose.services.api!.command).toEqual(['node', 'dist/api/main.js']);
    expect(compose.services.jobs!.command).toEqual(['node', 'dist/jobs/main.js']);
    for (const service of Object.values(compose.services)) if (service.command) assertRunnable(service.command);
  });

  it('the build script writes dist/ from tsconfig.build.json', () => {
    expect(scripts.build).toContain('tsc -p tsconfig.build.json');
  });
});
