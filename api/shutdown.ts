import type { FastifyBaseLogger } from 'fastify';

/**
 * Runs `stop` once on SIGTERM or SIGINT, then exits 0; exits 1 if it takes longer than `limitMs`
 * (a process manager would kill us anyway, and a hung exit hides the problem).
 */
export function onShutdown(log: FastifyBaseLogger, what: string, limitMs: number, stop: () => Promise<void>): void {
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, `shutting down: ${what}`);
    const force = setTimeout(() => {
      log.error(`shutdown took over ${limitMs / 1000} s; exiting`);
      process.exit(1);
    }, limitMs);
    force.unref();
    await stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
