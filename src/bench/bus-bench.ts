/**
 * Bus fan-out: the real `trading gateway` to 1, 8 and 32 subscriber processes, over direct
 * TCP and over NATS (a local nats-server started for the run), in one run. Per transport
 * and count, two phases with the same subscribers:
 *
 *   latency     the gateway paced at LATENCY_RATE per symbol: tick → subscriber latency
 *               (the gateway's sentNs to the subscriber's decode; one host, one monotonic
 *               clock), p50 = median of the subscribers' p50s, p99 = the worst p99
 *   throughput  the gateway paced far above what fits (THROUGHPUT_RATE per symbol): the
 *               MARKET_DATA delivered per second in total, counted by the subscribers
 *
 * TCP subscribers speak binary to the gateway (it conflates a slow one); NATS subscribers
 * use the orderbook's own subscriber code (nats-server drops a subscriber that falls too far
 * behind: a "slow consumer"). Without a nats-server binary the NATS rows say so.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopComponent, waitForReady } from '../supervisor/child-protocol.js';
import { benchShmName, removeComponentSegments } from './bench-segments.js';
import type { BenchContext, BenchResult, BenchRow, Benchmark } from './types.js';
import { ErrorCode, TradingError } from '../core/errors.js';
import { askSubscriber, sleep, startSubscriber, stopSubscriber, SUBSCRIBER_STARTUP_TIMEOUT_MS, type Subscriber } from './subscriber-fleet.js';

const CLI_SCRIPT = fileURLToPath(new URL('../cli.js', import.meta.url));
const SUBSCRIBER_SCRIPT = fileURLToPath(new URL('./bus-fanout-subscriber.js', import.meta.url));
export const BUS_SUBSCRIBER_COUNTS = [1, 8, 32] as const;
const SYMBOLS = 5;
/** Per symbol: 5 symbols × 200 = 1,000 MARKET_DATA/s offered. */
const LATENCY_RATE = 200;
/** Per symbol: 5 × 40,000 = 200,000/s offered, more than either path delivers to 32. */
const THROUGHPUT_RATE = 40_000;
// 2 s windows (3 s before the system bench gained its kept-warm run): the whole bench under 5 minutes
const WINDOW_MS = 2_000;
const EXIT_TIMEOUT_MS = 5_000;

export const busBenchmark: Benchmark = {
  name: 'bus',
  description: `gateway → ${BUS_SUBSCRIBER_COUNTS.join(', ')} subscriber processes over direct TCP and over NATS: delivered msgs/s, latency p50/p99`,
  run: (context) => runBusBenchmark(context),
};

type Transport = 'tcp' | 'nats';

interface Sample {
  marketData: number;
  p50: number;
  p99: number;
  latencies: number;
}

async function runBusBenchmark(context: BenchContext): Promise<BenchResult> {
  const rows: BenchRow[] = [];
  const figures: Record<string, number> = {};
  const windowMs = Math.max(1_000, Math.round(WINDOW_MS * Math.min(1, context.scale)));
  const server = startNatsServer();
  try {
    const natsUrl = server === undefined ? undefined : await server.ready;
    for (const transport of ['tcp', 'nats'] as const) {
      if (transport === 'nats' && natsUrl === undefined) {
        rows.push({ metric: 'fan-out over NATS', value: 'not measured', notes: 'nats-server is not installed (apt-get install nats-server)' });
        continue;
      }
      for (const count of BUS_SUBSCRIBER_COUNTS) {
        const result = await measure(transport, count, natsUrl, windowMs);
        const key = `bus_${transport}_${count}`;
        figures[`${key}_msgs_per_s`] = Math.round(result.throughput);
        figures[`${key}_latency_p50_us`] = result.p50;
        figures[`${key}_latency_p99_us`] = result.p99;
        context.log(`${transport} × ${count}: ${Math.round(result.throughput).toLocaleString('en-US')} msgs/s delivered; latency ${result.p50} µs p50 / ${result.p99} µs p99`);
        rows.push({
          metric: `fan-out over ${transport === 'tcp' ? 'direct TCP' : 'NATS'}: gateway → ${count} subscriber process${count === 1 ? '' : 'es'}`,
          value: `${Math.round(result.throughput).toLocaleString('en-US')} msgs/s delivered in total; latency ${result.p50} µs p50 / ${result.p99} µs p99`,
          notes:
            `throughput at ${(SYMBOLS * THROUGHPUT_RATE).toLocaleString('en-US')} msgs/s offered, latency at ${(SYMBOLS * LATENCY_RATE).toLocaleString('en-US')} msgs/s ` +
            `(${result.latencies.toLocaleString('en-US')} samples; p50 the subscribers' median, p99 the worst); binary 5-level MARKET_DATA, decoded by every subscriber; ${windowMs / 1000} s windows`,
        });
      }
    }
  } finally {
    await server?.stop();
  }
  return { rows, figures };
}

async function measure(transport: Transport, count: number, natsUrl: string | undefined, windowMs: number): Promise<{ throughput: number; p50: number; p99: number; latencies: number }> {
  const subscribers: ChildProcess[] = [];
  const fleet: Subscriber[] = [];
  let gateway: ChildProcess | undefined;
  // the two gateways run one after the other: one name
  const shm = benchShmName('bus');
  try {
    // latency first: a paced gateway, then the subscribers (TCP ones connect to its port)
    const latencyGateway = await startGateway(transport, LATENCY_RATE, 0, natsUrl, shm);
    gateway = latencyGateway.child;
    for (let i = 0; i < count; i++) fleet.push(startSubscriber(SUBSCRIBER_SCRIPT, subscriberArgs(transport, latencyGateway.port, natsUrl), 'error'));
    subscribers.push(...fleet.map((s) => s.child));
    await Promise.all(fleet.map((s) => s.subscribed));
    await sleep(Math.min(500, windowMs / 4));
    await Promise.all(subscribers.map((s) => ask(s, 'reset')));
    await sleep(windowMs);
    const latency = await Promise.all(subscribers.map((s) => ask(s, 'sample')));
    await stopComponent(gateway, EXIT_TIMEOUT_MS);

    // throughput: a gateway far faster than the subscribers can take (same port for TCP: they reconnect)
    gateway = (await startGateway(transport, THROUGHPUT_RATE, latencyGateway.port, natsUrl, shm)).child;
    await sleep(Math.min(1_000, windowMs / 2));
    const before = sum(await Promise.all(subscribers.map((s) => ask(s, 'sample'))));
    const startedMs = performance.now();
    await sleep(windowMs);
    const after = sum(await Promise.all(subscribers.map((s) => ask(s, 'sample'))));
    const throughput = (after - before) / ((performance.now() - startedMs) / 1000);
    const p50s = latency.map((s) => s.p50).sort((x, y) => x - y);
    return {
      throughput,
      p50: p50s[Math.floor(p50s.length / 2)] ?? 0,
      p99: Math.max(...latency.map((s) => s.p99)),
      latencies: latency.reduce((total, s) => total + s.latencies, 0),
    };
  } finally {
    await Promise.all(subscribers.map((s) => stopSubscriber(s)));
    await stopComponent(gateway, EXIT_TIMEOUT_MS);
    removeComponentSegments(shm, 'gateway');
  }
}

async function startGateway(transport: Transport, rate: number, port: number, natsUrl: string | undefined, shm: string): Promise<{ child: ChildProcess; port: number }> {
  const bus = transport === 'nats' && natsUrl !== undefined ? ['--bus', natsUrl] : [];
  const child = spawn(process.execPath, [CLI_SCRIPT, 'gateway', '--port', String(port), '--rate', String(rate), '--news-interval', '3600', '--shm', shm, ...bus], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, TRADING_LOG_LEVEL: 'warn' },
  });
  const ready = await waitForReady(child, 'the gateway', SUBSCRIBER_STARTUP_TIMEOUT_MS);
  return { child, port: Number(ready['port']) };
}

function subscriberArgs(transport: Transport, port: number, natsUrl: string | undefined): string[] {
  return transport === 'tcp' ? ['tcp', '127.0.0.1', String(port)] : ['nats', natsUrl ?? ''];
}

const ask = (child: ChildProcess, kind: 'sample' | 'reset'): Promise<Sample> => askSubscriber<Sample & { kind?: string }>(child, kind);

function sum(samples: readonly Sample[]): number {
  return samples.reduce((total, s) => total + s.marketData, 0);
}

/** A nats-server for the run (temporary store, any free port), or undefined when not installed. */
function startNatsServer(): { ready: Promise<string>; stop: () => Promise<void> } | undefined {
  const found = spawnSync('sh', ['-c', 'command -v nats-server || ls /usr/sbin/nats-server'], { encoding: 'utf8' }).stdout.trim().split('\n')[0];
  if (found === undefined || found === '') return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'ipct-bench-nats-'));
  const child = spawn(found, ['-a', '127.0.0.1', '-p', '-1', '-js', '-sd', join(dir, 'js')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const ready = new Promise<string>((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString();
      const port = /Listening for client connections on \S*:(\d+)/.exec(text)?.[1];
      if (port !== undefined && text.includes('Server is ready')) resolve(`nats://127.0.0.1:${port}`);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new TradingError(ErrorCode.BENCH_FAILED, `nats-server exited (${code}): ${text}`)));
  });
  ready.catch(() => undefined);
  return {
    ready,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
