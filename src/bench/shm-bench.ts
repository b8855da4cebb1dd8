/**
 * Shared-memory book benchmark: write and read latency of a 10-level book, and reads/s and
 * retry rate while a writer in another process runs flat out.
 *
 * One operation takes tens of nanoseconds and reading the clock costs about as much
 * (process.hrtime.bigint ≈ 40-90 ns here), so operations are timed in batches of
 * BATCH_OPS and each batch records its per-operation average, BATCH_OPS times. The
 * percentiles are therefore of batch averages: exact for the middle of the distribution,
 * gentler than single operations in the far tail (a 10 µs stall in one batch of 64 shows
 * as 156 ns more for each of them).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createL2Book, type L2Book } from '../core/book.js';
import { LatencyRecorder, type LatencySummary } from '../core/latency.js';
import { BookReader } from '../shm/book-reader.js';
import { BookWriter } from '../shm/book-writer.js';
import { unlinkQuietly } from './bench-segments.js';
import type { BenchContext, BenchResult, Benchmark } from './types.js';
import { lineFrom } from './child-output.js';
import { ErrorCode, TradingError } from '../core/errors.js';

const DEPTH = 10;
const BATCH_OPS = 64;
/** Batches per latency measurement at scale 1 (× BATCH_OPS operations). */
const BATCHES = 150_000;
const WARMUP_OPS = 300_000;
/** How long the reader runs against the other process's writer at scale 1. */
const CONTENDED_MS = 3_000;
const WRITER_SCRIPT = fileURLToPath(new URL('./shm-bench-writer.js', import.meta.url));

function benchSegmentName(label: string): string {
  return `/ipct-bench-${label}-${process.pid}-${Date.now().toString(36)}`;
}

function fullBook(): L2Book {
  const book = createL2Book(DEPTH);
  book.bidCount = DEPTH;
  book.askCount = DEPTH;
  for (let i = 0; i < DEPTH; i++) {
    book.bidPrices[i] = 1_895_000 - 100 * i;
    book.bidSizes[i] = 100 * (i + 1);
    book.askPrices[i] = 1_895_100 + 100 * i;
    book.askSizes[i] = 100 * (i + 1);
  }
  book.lastPrice = 1_895_050;
  book.volume = 1_000_000;
  book.timestamp = Date.now() / 1000;
  return book;
}

function measureWrites(writer: BookWriter, book: L2Book, batches: number): LatencySummary {
  const recorder = new LatencyRecorder();
  for (let i = 0; i < WARMUP_OPS; i++) {
    book.sequence = i;
    writer.write(0, book);
  }
  let sequence = WARMUP_OPS;
  for (let b = 0; b < batches; b++) {
    const startNs = process.hrtime.bigint();
    for (let i = 0; i < BATCH_OPS; i++) {
      book.sequence = sequence++;
      writer.write(0, book);
    }
    recorder.recordMany(Number(process.hrtime.bigint() - startNs) / BATCH_OPS, BATCH_OPS);
  }
  return recorder.summary();
}

function measureReads(reader: BookReader, out: L2Book, batches: number): LatencySummary {
  const recorder = new LatencyRecorder();
  for (let i = 0; i < WARMUP_OPS; i++) reader.read(0, out);
  for (let b = 0; b < batches; b++) {
    const startNs = process.hrtime.bigint();
    for (let i = 0; i < BATCH_OPS; i++) reader.read(0, out);
    recorder.recordMany(Number(process.hrtime.bigint() - startNs) / BATCH_OPS, BATCH_OPS);
  }
  return recorder.summary();
}

interface ContendedResult {
  readsPerS: number;
  retryRate: number;
  writesPerS: number;
  latency: LatencySummary;
}

async function measureUnderWriter(durationMs: number): Promise<ContendedResult> {
  const name = benchSegmentName('contended');
  const child = spawn(process.execPath, [WRITER_SCRIPT, name, String(DEPTH), String(durationMs + 20_000)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let reader: BookReader | undefined;
  try {
    await lineFrom(child, 'the benchmark writer', /ready\n/, 15_000);
    reader = BookReader.open(name, { depth: DEPTH });
    unlinkQuietly(name); // both processes stay mapped; nothing is left in /dev/shm whatever happens
    const out = createL2Book(DEPTH);
    const recorder = new LatencyRecorder();
    for (let i = 0; i < WARMUP_OPS; i++) reader.read(0, out);
    const retriesBefore = reader.readRetries;
    const updatesBefore = reader.updateCount(0);
    let good = 0;
    let failed = 0;
    const startNs = process.hrtime.bigint();
    const endNs = startNs + BigInt(Math.round(durationMs * 1e6));
    let batchStartNs = startNs;
    let nowNs = startNs;
    while (nowNs < endNs) {
      for (let i = 0; i < BATCH_OPS; i++) {
        if (reader.read(0, out)) good++;
        else failed++;
      }
      nowNs = process.hrtime.bigint();
      recorder.recordMany(Number(nowNs - batchStartNs) / BATCH_OPS, BATCH_OPS);
      batchStartNs = nowNs;
    }
    const elapsedS = Number(nowNs - startNs) / 1e9;
    const retries = reader.readRetries - retriesBefore;
    const writes = reader.updateCount(0) - updatesBefore;
    if (failed > 0) throw new TradingError(ErrorCode.BENCH_FAILED, `${failed} reads found no stable copy`);
    return {
      readsPerS: good / elapsedS,
      retryRate: retries / (good + retries),
      writesPerS: writes / elapsedS,
      latency: recorder.summary(),
    };
  } finally {
    reader?.close();
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    unlinkQuietly(name); // if the reader never opened it: a killed writer cannot unlink
  }
}

function formatNs(summary: LatencySummary): string {
  return `${summary.p50} ns p50 / ${summary.p99} ns p99 / ${summary.p999} ns p999`;
}

async function run(context: BenchContext): Promise<BenchResult> {
  const batches = Math.max(1_000, Math.round(BATCHES * context.scale));
  const contendedMs = Math.max(300, Math.round(CONTENDED_MS * context.scale));
  const name = benchSegmentName('latency');
  const writer = BookWriter.create({ name, symbols: ['BENCH'], depth: DEPTH });
  let write: LatencySummary;
  let read: LatencySummary;
  try {
    const reader = BookReader.open(name, { depth: DEPTH });
    writer.unlink(); // both stay mapped; nothing is left in /dev/shm if this process dies
    try {
      context.log(`write latency: ${batches} batches of ${BATCH_OPS}`);
      write = measureWrites(writer, fullBook(), batches);
      context.log(`read latency: ${batches} batches of ${BATCH_OPS}`);
      read = measureReads(reader, createL2Book(DEPTH), batches);
    } finally {
      reader.close();
    }
  } finally {
    writer.close();
    writer.unlink();
  }
  context.log(`reads against a full-speed writer process for ${contendedMs} ms`);
  const contended = await measureUnderWriter(contendedMs);

  const operations = batches * BATCH_OPS;
  return {
    rows: [
      {
        metric: `shm write, ${DEPTH} levels`,
        value: formatNs(write),
        target: '≤ 200 ns p50',
        seed: '12.8 µs (published) / 17.2 µs (here)',
        notes: `${operations} writes, timed in batches of ${BATCH_OPS}; no reader`,
      },
      {
        metric: `shm read, ${DEPTH} levels`,
        value: formatNs(read),
        target: '≤ 200 ns p50',
        seed: '11.1 µs (published) / 14.2 µs (here)',
        notes: `${operations} reads into a caller's book, timed in batches of ${BATCH_OPS}; no writer`,
      },
      {
        metric: 'shm reads under a full-speed writer process',
        value: `${(contended.readsPerS / 1e6).toFixed(2)} M reads/s, ${(contended.retryRate * 100).toFixed(3)} % retries`,
        notes: `writer at ${(contended.writesPerS / 1e6).toFixed(2)} M writes/s in another process; read ${formatNs(contended.latency)}; ${contendedMs} ms`,
      },
    ],
    figures: {
      shm_write_p50_ns: write.p50,
      shm_write_p99_ns: write.p99,
      shm_write_p999_ns: write.p999,
      shm_read_p50_ns: read.p50,
      shm_read_p99_ns: read.p99,
      shm_read_p999_ns: read.p999,
      shm_reads_per_s_under_writer: Math.round(contended.readsPerS),
      shm_read_retry_rate: contended.retryRate,
      shm_writer_writes_per_s_concurrent: Math.round(contended.writesPerS),
      shm_read_under_writer_p50_ns: contended.latency.p50,
      shm_read_under_writer_p99_ns: contended.latency.p99,
    },
  };
}

export const shmBenchmark: Benchmark = {
  name: 'shm',
  description: 'shared-memory book: write/read latency (10 levels) and reads under a writer in another process',
  run,
};
