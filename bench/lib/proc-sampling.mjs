// RSS and CPU time of processes and of the whole machine from /proc (Linux): the harnesses' resource figures.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let clockTicks = null;
/** Kernel clock ticks per second (the unit of /proc CPU times); 100 when getconf cannot tell. */
function ticksPerSecond() {
  if (clockTicks === null) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** Resident set size of `pid` in kB; NaN when it is gone. */
export function readRssKb(pid) {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? Number.NaN : Number(match[1]);
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds `pid` has used (user + system, all threads); NaN when it is gone. */
export function readCpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond(); // utime + stime, all threads
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds the whole machine spent busy (all cores), from the first line of /proc/stat. */
export function readSystemBusySeconds() {
  try {
    const fields = readFileSync('/proc/stat', 'utf8')
      .split('\n', 1)[0]
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const [user, nice, system, , , irq, softirq, steal] = fields;
    return (user + nice + system + irq + softirq + (steal ?? 0)) / ticksPerSecond();
  } catch {
    return Number.NaN;
  }
}
