// sdk/dist and dist/ are written by test/sdk/package.test.ts and test/build.test.ts, which vitest
// may run at the same time in two workers: one holds this lock while it builds and uses the build.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const lock = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../.build.lock');

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Waits for the build lock (taking over one whose holder died) and returns its release. */
export async function acquireBuildLock(): Promise<() => void> {
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(lock, { force: true });
    } catch {
      const holder = Number(fs.readFileSync(lock, { encoding: 'utf8', flag: 'a+' }) || 0);
      if (holder && !alive(holder)) fs.rmSync(lock, { force: true });
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
