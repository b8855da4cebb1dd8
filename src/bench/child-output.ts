/**
 * Waiting on what a benchmark's helper process prints: its `ready port=N` line, its final
 * `done ...` line.
 */
import type { ChildProcess } from 'node:child_process';
import { ErrorCode, TradingError } from '../core/errors.js';

/** The first match of `pattern` in `child`'s stdout (`what` names it in errors); rejects if it exits or stays silent for timeoutMs. */
export function lineFrom(child: ChildProcess, what: string, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('utf8');
      const match = pattern.exec(text);
      if (match !== null) {
        finish();
        resolve(match);
      }
    };
    const onExit = (code: number | null, signal: string | null): void => {
      finish();
      reject(new TradingError(ErrorCode.BENCH_FAILED, `${what} exited (${code ?? signal}) before saying ${pattern}`));
    };
    const timer = setTimeout(() => {
      finish();
      reject(new TradingError(ErrorCode.BENCH_FAILED, `${what} did not say ${pattern} within ${timeoutMs} ms`));
    }, timeoutMs);
    const finish = (): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}
