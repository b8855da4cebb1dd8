/**
 * A component forked by a benchmark (`trading ordermanager`, `trading strategy`, ...):
 * wait for its `ready` report over IPC, and stop it the way the supervisor does.
 */
import type { ChildProcess } from 'node:child_process';
import type { LogFields } from '../core/log.js';
import type { ComponentReport } from '../core/runtime.js';

/** The component's ready details; rejects with its own failure, an early exit, or a timeout. */
export function componentReady(child: ChildProcess, what: string, timeoutMs: number): Promise<LogFields> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: ComponentReport): void => {
      if (message.kind === 'ready') {
        finish();
        resolve(message.details);
      } else if (message.kind === 'failed') {
        finish();
        reject(new Error(`${what} failed to start: ${message.code}: ${message.message}`));
      }
    };
    const onExit = (code: number | null, signal: string | null): void => {
      finish();
      reject(new Error(`${what} exited (${code ?? signal}) before it was ready`));
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`${what} was not ready within ${timeoutMs} ms`));
    }, timeoutMs);
    const finish = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Resolves with the exit code (or signal name) once the child has exited. */
export function childExited(child: ChildProcess): Promise<number | string> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
}

/** Ask it to stop (IPC shutdown, else SIGTERM); SIGKILL if it has not exited within timeoutMs. */
export async function stopComponent(child: ChildProcess | undefined, timeoutMs: number): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const done = childExited(child);
  if (child.connected) child.send({ kind: 'shutdown' });
  else child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await done;
  clearTimeout(timer);
}
