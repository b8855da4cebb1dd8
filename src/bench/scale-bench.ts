/**
 * How the cost grows with the number of symbols, at 5, 100, 1,000 and 10,000 (a US
 * equities universe):
 *
 * - End-to-end updates/s: the real `trading gateway` streaming N symbols to the real
 *   `trading orderbook`, which writes them into the shared book. The figure is counted
 *   where the data lands: the sum of every slot's update count in the segment, read from
 *   this process over a window, so nothing in the path is asked for help. Twice per N: at
 *   the seed's 10 updates/s per symbol (10 × N offered, 100,000/s at 10,000 symbols) and
 *   at the gateway's maximum rate (as fast as the orderbook takes them).
 * - Tick-to-trade at N symbols: the tick-to-trade benchmark with its feeder ticking the N
 *   symbols in turn, through the real strategy process. Per-symbol work is O(1) (maps,
 *   slots by index, an interner that holds the whole universe), so this stays flat.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { syntheticSymbols } from '../core/symbol-list.js';
import { removeComponentSegments, unlinkQuietly } from './bench-segments.js';
import { BookReader } from '../shm/book-reader.js';
import { stopComponent, waitForReady } from '../supervisor/child-protocol.js';
import { processCpuMs } from './process-cpu.js';
import { runTickToTradeBenchmark } from './tick-to-trade-bench.js';
import type { BenchContext, BenchResult, BenchRow, Benchmark } from './types.js';
import { ErrorCode, TradingError } from '../core/errors.js';

const CLI_SCRIPT = fileURLToPath(new URL('../cli.js', import.meta.url));
export const SCALE_SYMBOL_COUNTS = [5, 100, 1_000, 10_000] as const;
const PACED_RATE = 10;
const WINDOW_MS = 2_000;
const STARTUP_TIMEOUT_MS = 30_000;
const EXIT_TIMEOUT_MS = 5_000;
/** Measured ticks per symbol count, at scale 1 (the tick-to-trade benchmark itself uses 12,000 at 5). */
const MEASURED_TICKS = 2_000;

export const scaleBenchmark: Benchmark = {
  name: 'scale',
  description: `gateway → orderbook → shm updates/s and tick-to-trade at ${SCALE_SYMBOL_COUNTS.join(', ')} symbols`,
  run: (context) => runScaleBenchmark(context),
};

interface Throughput {
  updatesPerSecond: number;
  offeredPerSecond: number;
  orderbookCpuPercent: number;
  gatewayCpuPercent: number;
}

async function runScaleBenchmark(context: BenchContext): Promise<BenchResult> {
  const rows: BenchRow[] = [];
  const figures: Record<string, number> = {};
  const windowMs = Math.max(1_000, Math.round(WINDOW_MS * Math.min(1, context.scale)));
  for (const count of SCALE_SYMBOL_COUNTS) {
    const paced = await measureThroughput(count, String(PACED_RATE), windowMs, context);
    const max = await measureThroughput(count, 'max', windowMs, context);
    context.log(`${count} symbols: tick-to-trade`);
    const t2t = await runTickToTradeBenchmark(
      { scale: context.scale, log: (message) => context.log(`${count} symbols: ${message}`) },
      { symbolCount: count, measuredTicks: MEASURED_TICKS, measureFloor: false },
    );
    const p50 = t2t.figures['tick_to_trade_p50_us'] ?? NaN;
    const p99 = t2t.figures['tick_to_trade_p99_us'] ?? NaN;
    figures[`scale_symbols_${count}_updates_per_s`] = Math.round(paced.updatesPerSecond);
    figures[`scale_symbols_${count}_offered_per_s`] = Math.round(paced.offeredPerSecond);
    figures[`scale_symbols_${count}_max_updates_per_s`] = Math.round(max.updatesPerSecond);
    figures[`scale_symbols_${count}_tick_to_trade_p50_us`] = p50;
    figures[`scale_symbols_${count}_tick_to_trade_p99_us`] = p99;
    rows.push({
      metric: `scale: ${count.toLocaleString('en-US')} symbols, gateway → orderbook → shm`,
      value:
        `${fmt(paced.updatesPerSecond)} updates/s paced (${fmt(paced.offeredPerSecond)} offered), ` +
        `${fmt(max.updatesPerSecond)} updates/s at --rate max; tick-to-trade ${p50} µs p50 / ${p99} µs p99`,
      target: count === 10_000 ? '≥ 100,000 updates/s end to end' : undefined,
      notes:
        `paced: ${PACED_RATE} updates/s per symbol, gateway ${paced.gatewayCpuPercent.toFixed(0)}% CPU, orderbook ${paced.orderbookCpuPercent.toFixed(0)}%; ` +
        `max: gateway ${max.gatewayCpuPercent.toFixed(0)}%, orderbook ${max.orderbookCpuPercent.toFixed(0)}%; counted in the segment over ${windowMs / 1000} s; ` +
        `tick-to-trade: one tick per 1 ms timer over the ${count} symbols in turn, ${t2t.figures['tick_to_trade_samples'] ?? 0} orders`,
    });
  }
  return { rows, figures };
}

/** Gateway (N symbols at `rate`) → orderbook → shm; updates landing in the segment per second. */
async function measureThroughput(count: number, rate: string, windowMs: number, context: BenchContext): Promise<Throughput> {
  const dir = mkdtempSync(join(tmpdir(), 'ipct-bench-scale-'));
  const shm = `/ipct-scale-${process.pid}-${count}-${rate}`;
  const config = join(dir, 'gateway.json');
  // 10,000 symbols would make a 70 kB argument: the config file is the user's way too
  writeFileSync(config, JSON.stringify({ symbols: syntheticSymbols(count) }));
  let gateway: ChildProcess | undefined;
  let orderbook: ChildProcess | undefined;
  let reader: BookReader | undefined;
  try {
    gateway = fork(['gateway', '--config', config, '--port', '0', '--rate', rate, '--shm', shm]);
    const ready = await waitForReady(gateway, 'the gateway', STARTUP_TIMEOUT_MS);
    orderbook = fork(['orderbook', '--gateway', `127.0.0.1:${String(ready['port'])}`, '--shm', shm]);
    await waitForReady(orderbook, 'the orderbook', STARTUP_TIMEOUT_MS);
    reader = await openWhenWritten(shm, count, STARTUP_TIMEOUT_MS);
    // one round to settle (discovery, JIT), then the window
    await sleep(Math.min(500, windowMs / 2));
    const before = sample(reader, gateway, orderbook);
    await sleep(windowMs);
    const after = sample(reader, gateway, orderbook);
    const seconds = (after.atMs - before.atMs) / 1000;
    const result: Throughput = {
      updatesPerSecond: (after.updates - before.updates) / seconds,
      offeredPerSecond: rate === 'max' ? NaN : count * Number(rate),
      gatewayCpuPercent: (after.gatewayCpuMs - before.gatewayCpuMs) / seconds / 10,
      orderbookCpuPercent: (after.orderbookCpuMs - before.orderbookCpuMs) / seconds / 10,
    };
    context.log(`${count} symbols at --rate ${rate}: ${fmt(result.updatesPerSecond)} updates/s into the segment`);
    return result;
  } finally {
    reader?.close();
    await stopComponent(orderbook, EXIT_TIMEOUT_MS);
    await stopComponent(gateway, EXIT_TIMEOUT_MS);
    unlinkQuietly(shm);
    removeComponentSegments(shm, 'gateway');
    removeComponentSegments(shm, 'orderbook');
    rmSync(dir, { recursive: true, force: true });
  }
}

function fork(args: readonly string[]): ChildProcess {
  return spawn(process.execPath, [CLI_SCRIPT, ...args], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: { ...process.env, TRADING_LOG_LEVEL: 'warn' } });
}

/** The segment once the orderbook has created it with every symbol (after one full round). */
async function openWhenWritten(shm: string, count: number, timeoutMs: number): Promise<BookReader> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      const reader = BookReader.open(shm);
      if (reader.symbols.length === count) return reader;
      reader.close();
      throw new TradingError(ErrorCode.BENCH_FAILED, `the segment has ${reader.symbols.length} symbols, expected ${count}`);
    } catch (err) {
      if (performance.now() > deadline) throw err;
    }
    await sleep(50);
  }
}

interface Sample {
  atMs: number;
  updates: number;
  gatewayCpuMs: number;
  orderbookCpuMs: number;
}

function sample(reader: BookReader, gateway: ChildProcess, orderbook: ChildProcess): Sample {
  let updates = 0;
  for (let i = 0; i < reader.symbols.length; i++) updates += reader.updateCount(i);
  return { atMs: performance.now(), updates, gatewayCpuMs: processCpuMs(gateway.pid), orderbookCpuMs: processCpuMs(orderbook.pid) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function fmt(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a';
}
