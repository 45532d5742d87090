// The SDK as a partner gets it: `npm pack`, installed into an empty folder, used from plain Node
// (ESM and CommonJS), type-checked from TypeScript, and bundled for a browser and run in Chromium.
// Everything else in this repository uses sdk/src (tsconfig `paths`); this file checks sdk/dist.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { liveServer } from '../helpers/app.ts';
import { acquireBuildLock } from '../helpers/build-lock.ts';
import { traderInput } from '../helpers/users.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);

// npm's own variables from an `npm test` around us (workspace, prefix...) must not steer the inner npm.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));

let app: FastifyInstance;
let url: string;
let dir: string;
let appDir: string;
let packed: { filename: string; files: { path: string }[] };

beforeAll(async () => {
  ({ app, url } = await liveServer());
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-sdk-pack-'));
  const release = await acquireBuildLock();
  let stdout: string;
  try {
    await run('npm', ['run', 'build'], { cwd: path.join(root, 'sdk'), env });
    ({ stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: path.join(root, 'sdk'), env }));
  } finally {
    release();
  }
  packed = (JSON.parse(stdout) as (typeof packed)[])[0]!;
  appDir = path.join(dir, 'partner-app');
  fs.mkdirSync(appDir);
  fs.writeFileSync(path.join(appDir, 'package.json'), JSON.stringify({ name: 'partner-app', private: true }));
  // Offline: the tarball, and its dependencies (undici, ws) from this repository's node_modules, so the
  // install opens no connection; what is tested is the tarball's own files and package.json.
  await run(
    'npm',
    ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', path.join(dir, packed.filename), path.join(root, 'node_modules/undici'), path.join(root, 'node_modules/ws')],
    { cwd: appDir, env },
  );
}, 400_000);

afterAll(async () => {
  await app?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** A partner script: signs a new trader up, reads them back, prints what it saw as JSON. */
const journey = (load: string) => `${load}
(async () => {
  const cs = new ConnectSphere({ baseUrl: process.env.CS_API_URL });
  const health = await cs.system.health();
  const session = await cs.auth.register(JSON.parse(process.env.TRADER));
  const me = await cs.auth.me();
  console.log(JSON.stringify({ version: VERSION, status: health.status, id: session.user.id, me: me.email, apiError: typeof ApiError }));
})().catch((err) => { console.error(err); process.exit(1); });
`;

async function runScript(file: string, source: string) {
  fs.writeFileSync(path.join(appDir, file), source);
  const trader = traderInput();
  const { stdout, stderr } = await run(process.execPath, [file], {
    cwd: appDir,
    env: { ...env, CS_API_URL: url, TRADER: JSON.stringify(trader) },
    timeout: 30_000,
  });
  return { out: JSON.parse(stdout) as Record<string, string>, stderr, trader };
}

describe('the packed @connectsphere/sdk', () => {
  it('holds the build and the README, not the TypeScript source, and every export points into it', () => {
    const files = packed.files.map((f) => f.path).sort();
    expect(files).toEqual(
      ['README.md', 'package.json', 'dist/index.js', 'dist/index.cjs', 'dist/index.browser.js', 'dist/index.d.ts', 'dist/index.d.cts']
        .concat(['dist/index.js.map', 'dist/index.cjs.map', 'dist/index.browser.js.map'])
        .sort(),
    );
    const pkg = JSON.parse(fs.readFileSync(path.join(appDir, 'node_modules/@connectsphere/sdk/package.json'), 'utf8'));
    expect(pkg.engines.node).toBe('>=20.18.1');
    const targets = JSON.stringify(pkg.exports['.']).match(/\.\/dist\/[\w.]+/g)!;
    expect(targets.length).toBe(5);
    for (const t of [...targets, pkg.main, pkg.module, pkg.types]) expect(files).toContain(t.replace(/^\.\//, ''));
  });

  it('works from an .mjs script on plain Node against a live server', async () => {
    const { out, stderr, trader } = await runScript('esm.mjs', journey(`import { ApiError, ConnectSphere, VERSION } from '@connectsphere/sdk';`));
    expect(stderr).toBe('');
    expect(out).toMatchObject({ version: '0.1.0', status: 'ok', me: trader.email, apiError: 'function' });
  });

  it('works from a .cjs script (require) on plain Node against a live server', async () => {
    const { out, stderr, trader } = await runScript('cjs.cjs', journey(`const { ApiError, ConnectSphere, VERSION } = require('@connectsphere/sdk');`));
    expect(stderr).toBe('');
    expect(out).toMatchObject({ version: '0.1.0', status: 'ok', me: trader.email, apiError: 'function' });
  });

  it('type-checks a TypeScript partner app from its .d.ts, as ESM and as CommonJS, and catches a wrong call', async () => {
    const source = (load: string) => `${load}
const cs = new ConnectSphere({ baseUrl: 'http://127.0.0.1:3000' });
export async function names(): Promise<string[]> {
  const page = await cs.groups.list({ limit: 5 });
  return page.items.map((g: Group) => g.title);
}
`;
    fs.writeFileSync(path.join(appDir, 'app.mts'), source(`import { ConnectSphere, type Group } from '@connectsphere/sdk';`));
    fs.writeFileSync(path.join(appDir, 'app.cts'), source(`import { ConnectSphere, type Group } from '@connectsphere/sdk';`));
    fs.writeFileSync(path.join(appDir, 'wrong.mts'), `import { ConnectSphere } from '@connectsphere/sdk';\nnew ConnectSphere({ baseUrl: 1 });\n`);
    const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
    const flags = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', '--typeRoots', path.join(root, 'node_modules/@types')];
    await run(process.execPath, [tsc, ...flags, 'app.mts', 'app.cts'], { cwd: appDir, env });
    const wrong = await run(process.execPath, [tsc, ...flags, 'wrong.mts'], { cwd: appDir, env }).then(
      () => '',
      (err: { stdout: string }) => err.stdout,
    );
    expect(wrong).toMatch(/wrong\.mts.*error TS2322: Type 'number' is not assignable to type 'string'/);
  }, 180_000); // three tsc runs: slow on a loaded 2-core machine

  describe('in a browser', () => {
    let bundle: esbuild.BuildResult & { metafile: esbuild.Metafile };

    beforeAll(async () => {
      fs.writeFileSync(
        path.join(appDir, 'browser.mjs'),
        `import { ConnectSphere, VERSION } from '@connectsphere/sdk';\nglobalThis.partnerApp = { ConnectSphere, VERSION };\n`,
      );
      bundle = await esbuild.build({
        absWorkingDir: appDir,
        entryPoints: ['browser.mjs'],
        bundle: true,
        platform: 'browser',
        format: 'iife',
        write: false,
        metafile: true,
        logLevel: 'silent',
      });
    });

    it('bundles with esbuild for platform=browser from the browser build, with nothing of undici, ws or node:', () => {
      const inputs = Object.keys(bundle.metafile.inputs);
      expect(inputs).toContain('node_modules/@connectsphere/sdk/dist/index.browser.js');
      expect(inputs.filter((i) => /undici|node_modules\/ws\/|^node:/.test(i))).toEqual([]);
      // The Node build, bundled for a browser, is what the browser condition avoids.
      const nodeBuild = path.join(appDir, 'node_modules/@connectsphere/sdk/dist/index.js');
      // esbuild lists only the first few of its errors in the message, in no fixed order: look at all of them.
      return esbuild
        .build({ absWorkingDir: appDir, entryPoints: [nodeBuild], bundle: true, platform: 'browser', write: false, logLevel: 'silent' })
        .then(
          () => expect.fail('the Node build bundled for a browser'),
          (err: { errors: { text: string }[] }) => expect(err.errors.map((e) => e.text)).toContainEqual(expect.stringMatching(/Could not resolve "(node:)?crypto"/)),
        );
    });

    it('signs a trader up and reads them back in headless Chromium, on the browser fetch', async () => {
      const browser = await chromium.launch({
        executablePath: '/usr/bin/chromium',
        args: ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
      });
      try {
        // A page of the API's own origin, so the test needs no CORS setup. The API's CSP (helmet:
        // default-src 'none') rightly forbids scripts on its JSON pages; the test injects one anyway.
        const page = await browser.newPage({ bypassCSP: true });
        await page.goto(`${url}/health`);
        await page.addScriptTag({ content: bundle.outputFiles![0]!.text });
        const trader = traderInput();
        const seen = await page.evaluate(async ({ baseUrl, trader }) => {
          const { ConnectSphere, VERSION } = (globalThis as unknown as { partnerApp: { ConnectSphere: typeof import('@connectsphere/sdk').ConnectSphere; VERSION: string } }).partnerApp;
          const cs = new ConnectSphere({ baseUrl });
          await cs.auth.register(trader as never);
          const me = await cs.auth.me();
          return { version: VERSION, email: me.email, agent: (globalThis as unknown as { navigator: { userAgent: string } }).navigator.userAgent };
        }, { baseUrl: url, trader });
        expect(seen).toMatchObject({ version: '0.1.0', email: trader.email });
        expect(seen.agent).toContain('HeadlessChrome');
      } finally {
        await browser.close();
      }
    }, 60_000);
  });
});
