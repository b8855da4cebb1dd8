/**
 * Fan-out: the real `trading gateway` at its maximum rate serving 1, 8 and 64 subscriber
 * processes (fanout-subscriber.js: binary, decoding every frame). Per count: MARKET_DATA
 * delivered per second in total (counted by the subscribers), and the gateway's CPU per
 * delivered message (from /proc, no help from the gateway). Encoding happens once per
 * message whatever the count; what grows is the copy into each client's queue and the
 * socket writes, and, on a 2-core machine, the competition for the cores.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stopComponent, waitForReady } from '../supervisor/child-protocol.js';
import { benchShmName, removeComponentSegments } from './bench-segments.js';
import { processCpuMs } from './process-cpu.js';
import type { BenchContext, BenchResult, BenchRow, Benchmark } from './types.js';
import { askSubscriber, sleep, startSubscriber, stopSubscriber, SUBSCRIBER_STARTUP_TIMEOUT_MS, type Subscriber } from './subscriber-fleet.js';

const CLI_SCRIPT = fileURLToPath(new URL('../cli.js', import.meta.url));
const SUBSCRIBER_SCRIPT = fileURLToPath(new URL('./fanout-subscriber.js', import.meta.url));
export const FANOUT_SUBSCRIBER_COUNTS = [1, 8, 64] as const;
const WINDOW_MS = 3_000;
const EXIT_TIMEOUT_MS = 5_000;

export const fanoutBenchmark: Benchmark = {
  name: 'fanout',
  description: `gateway at --rate max to ${FANOUT_SUBSCRIBER_COUNTS.join(', ')} subscriber processes: delivered msgs/s, gateway CPU per message`,
  run: (context) => runFanoutBenchmark(context),
};

async function runFanoutBenchmark(context: BenchContext): Promise<BenchResult> {
  const rows: BenchRow[] = [];
  const figures: Record<string, number> = {};
  const windowMs = Math.max(1_000, Math.round(WINDOW_MS * Math.min(1, context.scale)));
  for (const count of FANOUT_SUBSCRIBER_COUNTS) {
    let gateway: ChildProcess | undefined;
    const subscribers: Subscriber[] = [];
    const shm = benchShmName('fanout');
    try {
      gateway = spawn(process.execPath, [CLI_SCRIPT, 'gateway', '--port', '0', '--rate', 'max', '--shm', shm], {
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        env: { ...process.env, TRADING_LOG_LEVEL: 'warn' },
      });
      const port = Number((await waitForReady(gateway, 'the gateway', SUBSCRIBER_STARTUP_TIMEOUT_MS))['port']);
      for (let i = 0; i < count; i++) subscribers.push(startSubscriber(SUBSCRIBER_SCRIPT, ['127.0.0.1', String(port)]));
      await Promise.all(subscribers.map((s) => s.subscribed));
      await sleep(Math.min(500, windowMs / 4)); // every connection past its first turn
      const before = await sampleAll(subscribers);
      const cpuBefore = processCpuMs(gateway.pid);
      const startedMs = performance.now();
      await sleep(windowMs);
      const after = await sampleAll(subscribers);
      const seconds = (performance.now() - startedMs) / 1000;
      const delivered = after - before;
      const perSecond = delivered / seconds;
      const cpuNsPerMessage = ((processCpuMs(gateway.pid) - cpuBefore) * 1e6) / delivered;
      figures[`fanout_${count}_msgs_per_s`] = Math.round(perSecond);
      figures[`fanout_${count}_gateway_cpu_ns_per_msg`] = Math.round(cpuNsPerMessage);
      context.log(`${count} subscriber(s): ${Math.round(perSecond).toLocaleString('en-US')} msgs/s delivered, gateway ${Math.round(cpuNsPerMessage)} ns CPU per message`);
      rows.push({
        metric: `fan-out: gateway → ${count} subscriber process${count === 1 ? '' : 'es'}`,
        value: `${Math.round(perSecond).toLocaleString('en-US')} msgs/s delivered in total (${Math.round(perSecond / count).toLocaleString('en-US')} each); gateway ${Math.round(cpuNsPerMessage)} ns CPU per message`,
        notes: `5 symbols at --rate max, binary 5-level MARKET_DATA, each subscriber decodes every frame; counted by the subscribers over ${windowMs / 1000} s; gateway CPU from /proc (10 ms ticks)`,
      });
    } finally {
      await Promise.all(subscribers.map((s) => stopSubscriber(s.child)));
      await stopComponent(gateway, EXIT_TIMEOUT_MS);
      removeComponentSegments(shm, 'gateway');
    }
  }
  return { rows, figures };
}

/** Sum of every subscriber's MARKET_DATA count, asked of all at once. */
async function sampleAll(subscribers: readonly Subscriber[]): Promise<number> {
  const counts = await Promise.all(
    subscribers.map(({ child }) => askSubscriber<{ kind?: string; marketData?: number }>(child, 'sample').then((answer) => answer.marketData ?? 0)),
  );
  return counts.reduce((a, b) => a + b, 0);
}
