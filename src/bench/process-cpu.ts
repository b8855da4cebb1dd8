/** CPU time of another process, read from outside (Linux /proc), for benchmarks that must not ask it. */
import { readFileSync } from 'node:fs';

/** user + system CPU of a process, ms, from /proc (NaN where there is none). */
export function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // after the command name: state is field 3, utime 14 and stime 15, in clock ticks (USER_HZ = 100 on Linux)
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}
