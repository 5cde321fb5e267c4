// The machine a run is on (cores, CPU, platform) and pinning processes to its cores with taskset, so the
// process under test and the load do not compete for one core.
import { execFileSync } from 'node:child_process';
import os from 'node:os';

/** Cores this process may use, counted before it pins itself (which narrows availableParallelism to one). */
const nproc = os.availableParallelism();

/** --pin / --no-pin, for parseArgs. */
export const pinFlags = { pin: { type: 'boolean' }, 'no-pin': { type: 'boolean' } };

/** What --pin / --no-pin ask for: true, false, or null (neither: the default). */
export function pinRequested(values) {
  if (values.pin && values['no-pin']) throw new Error('--pin and --no-pin contradict each other');
  return values['no-pin'] ? false : (values.pin ?? null);
}

function hasTaskset() {
  try {
    execFileSync('taskset', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Decides whether to pin: `requested` as pinRequested gives it, null for the default (on with 2 cores and
 * taskset). When pinning, this process (the harness) goes to core 0.
 */
export function choosePinning(requested) {
  const taskset = hasTaskset();
  const pin = requested ?? (nproc >= 2 && taskset);
  if (pin && !taskset) throw new Error('--pin needs taskset (util-linux), which is not installed');
  if (pin && nproc < 2) throw new Error(`--pin needs 2 cores, this machine has ${nproc}`);
  if (pin) execFileSync('taskset', ['-a', '-pc', '0', String(process.pid)], { stdio: 'ignore' });
  return { nproc, pin };
}

/** Node version, cores, CPU model and platform, as the reports print them and the results JSON keeps them. */
export function machineInfo() {
  return {
    node: process.version,
    nproc,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    platform: `${os.platform()} ${os.release()}`,
  };
}
