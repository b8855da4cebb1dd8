/**
 * The `trading` command run from tests to its end, with what it printed. A command's output
 * is read to the end of its pipes ('close'), not only to its exit: at 'exit' the last chunks
 * may still be in the pipes, which a loaded machine shows as a truncated JSON document or a
 * missing last line.
 */
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import assert from 'node:assert/strict';
import type { StatJson } from '../../src/stat/stat-format.js';
import { spawnCli } from './resources.js';

export interface CliResult {
  /** The exit code, or the signal's name. */
  code: number | string;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as they came. */
  output: string;
  /** The command's process id (names it made may carry it). */
  pid: number;
}

export interface RunCliOptions extends SpawnOptions {
  /** SIGKILL the command if it has not ended by then. */
  timeoutMs?: number;
  /** Called once it is spawned (to register what it will create for cleanup). */
  onSpawn?: (child: ChildProcess) => void;
}

/** Runs `trading ...args` to its end. */
export function runCli(args: readonly string[], options: RunCliOptions = {}): Promise<CliResult> {
  const { timeoutMs, onSpawn, ...spawnOptions } = options;
  const child = spawnCli(args, spawnOptions);
  onSpawn?.(child);
  let stdout = '';
  let stderr = '';
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    output += chunk.toString();
  });
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal ?? -1, stdout, stderr, output, pid: child.pid ?? 0 });
    });
  });
}

/** `trading stat --json --shm NAME`: the counters of a running system, read from outside. */
export async function readStat(shm: string): Promise<StatJson> {
  const result = await runCli(['stat', '--json', '--shm', shm]);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as StatJson;
}
