/**
 * The floor under tick-to-trade's shape: the same two one-way hops, through three bare
 * Node processes as the tick goes through three (feeder → strategy → order manager):
 *
 *   sender child ──TCP──► relay child ──TCP──► this process
 *   stamps, writes        writes what it reads  reads, records now − stamp
 *
 * paced like the ticks. On a 2-core machine a three-process path costs more than a
 * two-process round trip (loopback-floor.ts): a third process shares the cores, and a hop
 * may wake a halted core. This shows how much, with none of our code in it.
 */
import { fork } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { monotonicNs } from '../core/clock.js';
import { LatencyRecorder, type LatencySummary } from '../core/latency.js';
import { childExited } from '../supervisor/child-protocol.js';
import { ErrorCode, TradingError } from '../core/errors.js';

const RELAY_SCRIPT = fileURLToPath(new URL('./loopback-relay.js', import.meta.url));
const SENDER_SCRIPT = fileURLToPath(new URL('./loopback-sender.js', import.meta.url));
const MESSAGE_BYTES = 64;
const CONNECT_TIMEOUT_MS = 10_000;

/** One-way latency in ns from the sender's stamp to this process's read, over `samples` messages after `warmup`. */
export async function measureLoopbackChain(intervalMs: number, warmup: number, samples: number): Promise<LatencySummary> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const relay = fork(RELAY_SCRIPT, [String(port)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  let sender: ReturnType<typeof fork> | undefined;
  try {
    const [socket, relayPort] = await Promise.all([
      withTimeout(new Promise<Socket>((resolve) => server.once('connection', resolve)), 'the relay did not connect'),
      withTimeout(new Promise<number>((resolve) => relay.once('message', (m: { port: number }) => resolve(m.port))), 'the relay did not listen'),
    ]);
    socket.setNoDelay(true);
    const latency = new LatencyRecorder(10_000_000_000);
    const total = warmup + samples;
    let pending: Buffer = Buffer.alloc(0);
    let received = 0;
    const done = new Promise<void>((resolve, reject) => {
      socket.on('data', (chunk: Buffer) => {
        const readNs = monotonicNs();
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        let offset = 0;
        for (; offset + MESSAGE_BYTES <= pending.length; offset += MESSAGE_BYTES) {
          if (received++ >= warmup) latency.record(readNs - pending.readDoubleLE(offset));
        }
        pending = pending.subarray(offset);
        if (received >= total) resolve();
      });
      socket.on('close', () => (received >= total ? resolve() : reject(new TradingError(ErrorCode.BENCH_FAILED, `the chain closed after ${received} of ${total} messages`))));
    });
    sender = fork(SENDER_SCRIPT, [String(relayPort), String(intervalMs), String(total)], { stdio: 'ignore' });
    // a timer per message: allow five times the paced duration before calling it stuck
    await withTimeout(done, `the chain did not deliver ${total} messages`, CONNECT_TIMEOUT_MS + total * intervalMs * 5);
    socket.destroy();
    return latency.summary();
  } finally {
    for (const child of [sender, relay]) {
      if (child === undefined) continue;
      const exited = childExited(child);
      child.kill('SIGTERM');
      await exited;
    }
    server.close();
  }
}

function withTimeout<T>(promise: Promise<T>, what: string, timeoutMs = CONNECT_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TradingError(ErrorCode.BENCH_FAILED, `${what} within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
