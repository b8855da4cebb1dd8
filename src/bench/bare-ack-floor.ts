/**
 * Order-to-ack with nothing of ours: the om benchmark's paced acks (one order per 1 ms timer,
 * sent whatever the answers, so a slow sync delays the orders behind it) against a bare Node
 * server that appends a line per order and fdatasyncs before it answers (bare-ack-server.ts).
 * Beside the order manager's figure it says how much of its tail is Node and this machine,
 * and how much is ours; beside the disk's, what any Node server here pays above the sync.
 */
import { fork } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LatencyRecorder, type LatencySummary } from '../core/latency.js';
import { childExited } from '../supervisor/child-protocol.js';
import { ErrorCode, TradingError } from '../core/errors.js';

const SERVER_SCRIPT = fileURLToPath(new URL('./bare-ack-server.js', import.meta.url));
const MESSAGE_BYTES = 16;
const START_TIMEOUT_MS = 10_000;
const DRAIN_TIMEOUT_MS = 10_000;

/** Acks of `orders` paced messages after `warmup`, µs; the server's file goes in `dir`. */
export async function measureBareNodeAck(dir: string, warmup: number, orders: number, paceMs: number): Promise<LatencySummary> {
  const child = fork(SERVER_SCRIPT, [join(dir, 'bare-ack.log')], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const exited = childExited(child);
  let socket: Socket | undefined;
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new TradingError(ErrorCode.BENCH_FAILED, `the bare ack server did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
      child.once('message', (message) => {
        clearTimeout(timer);
        resolve(Number(message));
      });
      child.once('exit', (code) => reject(new TradingError(ErrorCode.BENCH_FAILED, `the bare ack server exited (${code}) before it listened`)));
    });
    const connected = connect({ port, host: '127.0.0.1', noDelay: true });
    socket = connected;
    await new Promise<void>((resolve, reject) => {
      connected.once('connect', resolve);
      connected.once('error', reject);
    });
    const latency = new LatencyRecorder();
    const total = warmup + orders;
    let answered = 0;
    let pending: Buffer = Buffer.alloc(0);
    const allAnswered = new Promise<void>((resolve) => {
      connected.on('data', (chunk: Buffer) => {
        const nowMs = performance.now();
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        let offset = 0;
        for (; offset + MESSAGE_BYTES <= pending.length; offset += MESSAGE_BYTES) {
          if (pending.readDoubleLE(offset) >= warmup) latency.record((nowMs - pending.readDoubleLE(offset + 8)) * 1000);
          if (++answered === total) resolve();
        }
        pending = pending.subarray(offset);
      });
    });
    for (let sequence = 0; sequence < total; sequence++) {
      const message = Buffer.allocUnsafe(MESSAGE_BYTES);
      message.writeDoubleLE(sequence, 0);
      message.writeDoubleLE(performance.now(), 8);
      connected.write(message);
      await new Promise((resolve) => setTimeout(resolve, paceMs));
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      allAnswered,
      new Promise((_, reject) => (timer = setTimeout(() => reject(new TradingError(ErrorCode.BENCH_FAILED, `${total - answered} bare acks missing after ${DRAIN_TIMEOUT_MS} ms`)), DRAIN_TIMEOUT_MS))),
    ]).finally(() => clearTimeout(timer));
    return latency.summary();
  } finally {
    socket?.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), START_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
}
