/**
 * The supervisor's side of the component protocol (core/runtime.ts is the component's):
 * wait for a forked component's `ready` report, and stop it by asking (IPC `shutdown`),
 * killing it only when it does not stop in time. ManagedChild runs the system's children
 * with it; benchmarks that fork a component use it too, so the protocol is written once.
 */
import type { ChildProcess } from 'node:child_process';
import { ErrorCode, TradingError, type ErrorCode as Code } from '../core/errors.js';
import type { LogFields } from '../core/log.js';
import type { ComponentReport, SupervisorCommand } from '../core/runtime.js';

function knownCode(code: string): Code {
  return (Object.values(ErrorCode) as string[]).includes(code) ? (code as Code) : ErrorCode.INTERNAL;
}

/**
 * The component's ready details. Rejects with its own reported failure (its code), with
 * E_COMPONENT_EXITED when it exits first without one, or with E_READY_TIMEOUT (after
 * killing it) when it says nothing in time.
 */
export function waitForReady(child: ChildProcess, name: string, timeoutMs: number): Promise<LogFields> {
  return new Promise((resolve, reject) => {
    let failure: TradingError | undefined;
    const onMessage = (raw: unknown): void => {
      const message = raw as ComponentReport;
      if (message.kind === 'failed') {
        const code = knownCode(message.code);
        const why = message.message.startsWith(`${message.code}: `) ? message.message.slice(message.code.length + 2) : message.message;
        failure = new TradingError(code, `${name} failed to start: ${why}`);
      } else if (message.kind === 'ready') {
        finish();
        resolve(message.details);
      }
    };
    const onExit = (code: number | null, signal: string | null): void => {
      finish();
      reject(failure ?? new TradingError(ErrorCode.COMPONENT_EXITED, `${name} exited (${code ?? signal}) before it was ready`));
    };
    const timer = setTimeout(() => {
      finish();
      child.kill('SIGKILL');
      reject(new TradingError(ErrorCode.READY_TIMEOUT, `${name} did not become ready within ${timeoutMs} ms`));
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

/** Ask the component to stop (IPC shutdown, else SIGTERM). */
export function askToStop(child: ChildProcess): void {
  const command: SupervisorCommand = { kind: 'shutdown' };
  if (child.connected) child.send(command);
  else child.kill('SIGTERM');
}

/** Ask it to stop; SIGKILL if it has not exited within timeoutMs. Resolves once it has exited. */
export async function stopComponent(child: ChildProcess | undefined, timeoutMs: number): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const done = childExited(child);
  askToStop(child);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await done;
  clearTimeout(timer);
}

