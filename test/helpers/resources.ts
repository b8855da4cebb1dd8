/**
 * Test resources that must never outlive a test: unique shared-memory names, temporary
 * directories and spawned processes. Everything registered here is removed by
 * `cleanupAll()` (call it from `after()`), and again on process exit as a last resort, so
 * that a failing test leaves no /dev/shm entry and no orphan process.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const shmNames = new Set<string>();
const shmPrefixes = new Set<string>();
const tempDirs = new Set<string>();
const children = new Set<ChildProcess>();
let counter = 0;

/** The compiled CLI entry (dist/src/cli.js), for system tests. */
export const CLI_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/cli.js');

/** A shared-memory name unique to this process and call, registered for cleanup. */
export function uniqueShmName(label = 'test'): string {
  const name = `/ipct-${label}-${process.pid}-${Date.now().toString(36)}-${counter++}`;
  shmNames.add(name);
  return name;
}

/**
 * Every /dev/shm entry whose name starts with `prefix` (with its leading slash), removed at
 * cleanup: for names a child makes up itself, such as those carrying its pid.
 */
export function trackShmPrefix(prefix: string): void {
  shmPrefixes.add(prefix);
}

export function tempDir(label = 'test'): string {
  const dir = mkdtempSync(join(tmpdir(), `ipct-${label}-`));
  tempDirs.add(dir);
  return dir;
}

/** Spawn a process that is killed (SIGKILL) at cleanup if still running. */
export function spawnTracked(command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Spawn `node <script> ...args` tracked for cleanup. */
export function spawnNode(script: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  return spawnTracked(process.execPath, [script, ...args], options);
}

/** Spawn the `trading` CLI with the given arguments. */
export function spawnCli(args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  return spawnNode(CLI_PATH, args, options);
}

/** Resolves with the exit code (or signal name) once the child has exited. */
export function waitForExit(child: ChildProcess): Promise<number | string> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((resolveExit) => {
    child.once('exit', (code, signal) => resolveExit(code ?? signal ?? -1));
  });
}

/** SIGTERM (or `signal`) a child and resolve with its exit code (or signal name) once it has exited; at once if it already had. */
export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | string> {
  const exited = waitForExit(child);
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  return exited;
}

/** Everything a child writes to stdout and stderr, interleaved as it came, so far. */
export function collectOutput(child: ChildProcess): () => string {
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return () => text;
}

/** Resolves when a line of the child's stdout or stderr matches; rejects on exit first or timeout. */
export function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolveLine, reject) => {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString('utf8');
      const lines = seen.split('\n');
      seen = lines.pop() ?? '';
      for (const line of lines) {
        if (pattern.test(line)) {
          finish();
          resolveLine(line);
          return;
        }
      }
    };
    const onExit = (code: number | null, signal: string | null): void => {
      finish();
      reject(new Error(`process exited (${code ?? signal}) before output matched ${pattern}`));
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for output matching ${pattern}`));
    }, timeoutMs);
    const finish = (): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Kill every tracked child, unlink every registered shm name, remove every temp dir. */
export async function cleanupAll(): Promise<void> {
  const exits: Promise<unknown>[] = [];
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      exits.push(waitForExit(child));
      child.kill('SIGKILL');
    }
  }
  await Promise.all(exits);
  cleanupSync();
}

function cleanupSync(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  // a name and the segments named after it (a system's counters: NAME.metrics.COMPONENT)
  let entries: string[] = [];
  try {
    entries = readdirSync('/dev/shm');
  } catch {
    // no /dev/shm: nothing to remove
  }
  for (const entry of entries) {
    const name = `/${entry}`;
    const registered = [...shmNames].some((own) => name === own || name.startsWith(`${own}.`));
    if (!registered && ![...shmPrefixes].some((prefix) => name.startsWith(prefix))) continue;
    try {
      unlinkSync(`/dev/shm/${entry}`);
    } catch {
      // already gone: the test removed it itself
    }
  }
  shmNames.clear();
  shmPrefixes.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

process.once('exit', cleanupSync);
