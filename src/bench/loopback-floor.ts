/**
 * The physical floor under tick-to-trade on this machine: the round trip of one small
 * TCP message between two bare Node processes (this one and an echo child), paced the
 * way the benchmark paces its ticks. A round trip is two one-way hops, as many as a tick
 * takes to become an order at the order manager (gateway → strategy → order manager), so
 * tick-to-trade cannot beat it; what lies above it is our code and the third process.
 */
import { fork } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { LatencyRecorder, type LatencySummary } from '../core/latency.js';
import { childExited } from '../supervisor/child-protocol.js';
import { ErrorCode, TradingError } from '../core/errors.js';

const ECHO_SCRIPT = fileURLToPath(new URL('./loopback-echo.js', import.meta.url));
const CONNECT_TIMEOUT_MS = 10_000;
const MESSAGE = Buffer.alloc(64, 1);

/**
 * Round-trip latency in ns of `samples` messages, one per `intervalMs` timer, after `warmup`.
 * With `keepWarmMs`, an unmeasured echo also goes every `keepWarmMs` between them: the floor
 * of a path kept warm the way --keep-warm-ms keeps the system's.
 */
export async function measureLoopbackRoundTrip(intervalMs: number, warmup: number, samples: number, keepWarmMs = 0): Promise<LatencySummary> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const child = fork(ECHO_SCRIPT, [String(port)], { stdio: 'ignore' });
  try {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const timer = setTimeout(() => reject(new TradingError(ErrorCode.BENCH_FAILED, `the echo process did not connect within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
      server.once('connection', (accepted) => {
        clearTimeout(timer);
        resolve(accepted);
      });
      child.once('exit', (code) => reject(new TradingError(ErrorCode.BENCH_FAILED, `the echo process exited (${code}) before it connected`)));
    });
    socket.setNoDelay(true);
    const latency = new LatencyRecorder(10_000_000_000);
    let keepWarm: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      let sent = 0;
      let sentNs = 0n;
      let pending = 0;
      // bytes of keep-warm echoes not back yet: they come back before a message sent after them
      let warmPending = 0;
      const send = (): void => {
        sentNs = process.hrtime.bigint();
        pending = MESSAGE.length;
        sent += 1;
        socket.write(MESSAGE);
      };
      if (keepWarmMs > 0) {
        keepWarm = setInterval(() => {
          if (pending > 0) return; // never while a measured message is out
          warmPending += MESSAGE.length;
          socket.write(MESSAGE);
        }, keepWarmMs);
      }
      socket.on('data', (chunk: Buffer) => {
        let bytes = chunk.length;
        const warmBytes = Math.min(bytes, warmPending);
        warmPending -= warmBytes;
        bytes -= warmBytes;
        if (bytes === 0) return;
        pending -= bytes;
        if (pending > 0) return;
        if (sent > warmup) latency.record(Number(process.hrtime.bigint() - sentNs));
        if (sent >= warmup + samples) resolve();
        else setTimeout(send, intervalMs);
      });
      send();
    });
    clearInterval(keepWarm);
    socket.destroy();
    return latency.summary();
  } finally {
    const exited = childExited(child);
    child.kill('SIGTERM');
    await exited;
    server.close();
  }
}
