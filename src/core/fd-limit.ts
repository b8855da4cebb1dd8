/**
 * The process's open-file limit (RLIMIT_NOFILE). Node has no setrlimit, so raising the
 * soft limit to the hard one goes through util-linux's `prlimit --pid <our pid>`, which
 * calls prlimit(2) on us; a process may always raise its own soft limit up to its hard
 * one. Where prlimit is missing or refused, the soft limit stays, and servers size their
 * connection cap from whatever limit is in force (fileLimits() reads it back from
 * /proc/self/limits), so a cap never exceeds what the process can open.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface FileLimits {
  soft: number;
  hard: number;
}

/** The limits in force, or undefined where /proc is not there to say. */
export function fileLimits(): FileLimits | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return undefined;
  }
  const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  if (match === null) return undefined;
  const value = (word: string | undefined): number => (word === undefined || word === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(word));
  return { soft: value(match[1]), hard: value(match[2]) };
}

let raised: FileLimits | undefined;

/**
 * Raise the soft limit to the hard one, once per process; returns the limits then in force
 * and how (`prlimit`, `already`, or why not).
 */
export function raiseFileLimit(): { limits: FileLimits | undefined; how: string } {
  const before = fileLimits();
  if (before === undefined) return { limits: undefined, how: 'no /proc/self/limits' };
  if (raised !== undefined || before.soft >= before.hard) return { limits: before, how: 'already at the hard limit' };
  try {
    const hard = before.hard === Number.MAX_SAFE_INTEGER ? 'unlimited' : String(before.hard);
    execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${hard}:${hard}`], { stdio: 'ignore', timeout: 5_000 });
  } catch (err) {
    return { limits: before, how: `prlimit failed (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): the soft limit stays` };
  }
  raised = fileLimits() ?? before;
  return { limits: raised, how: 'prlimit' };
}
