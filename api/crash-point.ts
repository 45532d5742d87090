/**
 * Crash points for the crash-consistency tests: with CS_CRASH_AT=<name> the process kills itself
 * with SIGKILL on reaching that point, as a power cut or the OOM killer would, so a test can stop
 * a real process between two steps and then show that a restart and the reconciliation jobs finish
 * the work. Unset (always, outside those tests) it does nothing. The points are listed in the
 * README (Tests and CI).
 */
export function crashPoint(name: string): void {
  if (process.env.CS_CRASH_AT === name) process.kill(process.pid, 'SIGKILL');
}
