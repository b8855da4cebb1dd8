/**
 * The subscriber processes of the fan-out benchmarks (fanout-subscriber.js over TCP,
 * bus-fanout-subscriber.js over TCP or NATS), one harness for both. Over IPC a subscriber
 * says {kind: 'subscribed'} once its first message arrived, answers {kind: 'sample'} with
 * {kind: 'count', marketData, ...its figures} and {kind: 'reset'} with {kind: 'reset'},
 * and exits on {kind: 'stop'}.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { ErrorCode, TradingError } from '../core/errors.js';

/** 64 Node processes starting on 2 cores beside a gateway at full speed take a while. */
export const SUBSCRIBER_STARTUP_TIMEOUT_MS = 120_000;
const ANSWER_TIMEOUT_MS = 10_000;
const EXIT_TIMEOUT_MS = 5_000;

export interface Subscriber {
  child: ChildProcess;
  /** Resolves once it received its first message; rejects if it exits first or takes too long. */
  subscribed: Promise<void>;
}

export function startSubscriber(script: string, args: readonly string[], logLevel = 'warn'): Subscriber {
  const child = fork(script, args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: { ...process.env, TRADING_LOG_LEVEL: logLevel } });
  const subscribed = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new TradingError(ErrorCode.BENCH_FAILED, `subscriber ${child.pid} received nothing within ${SUBSCRIBER_STARTUP_TIMEOUT_MS} ms`)),
      SUBSCRIBER_STARTUP_TIMEOUT_MS,
    );
    child.on('message', (message: { kind?: string }) => {
      if (message.kind !== 'subscribed') return;
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new TradingError(ErrorCode.BENCH_FAILED, `subscriber ${child.pid} exited (${code}) before receiving`));
    });
  });
  subscribed.catch(() => undefined); // awaited by the caller; never an unhandled rejection
  return { child, subscribed };
}

/** Ask one subscriber for its figures ('sample', answered by 'count') or to start counting again ('reset'). */
export function askSubscriber<T extends { kind?: string }>(child: ChildProcess, kind: 'sample' | 'reset'): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new TradingError(ErrorCode.BENCH_FAILED, `subscriber ${child.pid} did not answer ${kind}`)), ANSWER_TIMEOUT_MS);
    const onMessage = (message: T): void => {
      if (message.kind !== (kind === 'sample' ? 'count' : 'reset')) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(message);
    };
    child.on('message', onMessage);
    child.send({ kind });
  });
}

/** Ask it to stop (SIGTERM without an IPC channel), SIGKILL after EXIT_TIMEOUT_MS. */
export async function stopSubscriber(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.connected) child.send({ kind: 'stop' });
  else child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
