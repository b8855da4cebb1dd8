/**
 * One codec's throughput and allocation, measured in a process of its own (codec-bench.ts
 * forks codec-bench-child.ts once per kind): encode + decode of a 5-level MARKET_DATA
 * through the same MessageEncoder / MessageDecoder the processes use (frame header
 * included; JSON decode validates every field, through the decoder's MARKET_DATA fast
 * path, which yields what JSON.parse + validation would). Separate encode-only and
 * decode-only rates show where the time goes. Each figure is the median of several
 * timed rounds after a warm-up, with the spread (slowest..fastest round) beside it.
 * Binary frames here start 8-byte aligned (a Buffer.alloc), so both sides take the
 * binary codec's Float64Array path, as a MessageEncoder's own buffer does; frames inside
 * socket chunks take it when they land aligned (a chunk of MARKET_DATA and HEARTBEAT
 * frames stays aligned, all their lengths being multiples of 8) and the DataView path
 * otherwise, with identical results.
 *
 * Why a process per codec: the benchmark's own loops (CodecLoop's methods) are one
 * function for both kinds, so after one kind has run they are compiled for both, and
 * the second kind's allocation window sometimes caught a deoptimised loop boxing its
 * numbers (16 bytes per message that the codecs themselves never allocate). The child
 * also compiles on its main thread (codec-bench.ts, CHILD_V8_FLAGS), so that the loop is
 * optimised before the window opens even on a loaded machine.
 *
 * Every round checks its result (the sequence numbers it decoded add up), so a codec
 * that silently decoded nothing could not post a figure.
 *
 * It also measures heap allocation of the round trip: new-space growth over a window of
 * encode+decode with no garbage collection inside it (watched with a
 * PerformanceObserver); zero growth over hundreds of thousands of messages means the
 * optimised hot path allocates nothing per message.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { MessageDecoder, MessageEncoder } from '../protocol/codec.js';
import type { PayloadKind } from '../protocol/codec.js';
import { FRAME_HEADER_BYTES } from '../protocol/framing.js';
import { MessageType } from '../protocol/messages.js';
import type { MarketData } from '../protocol/messages.js';
import { createMarketData } from '../protocol/reusable-messages.js';
import { formatRate } from '../core/format.js';
import type { BenchContext, BenchResult, BenchRow } from './types.js';
import { ErrorCode, TradingError } from '../core/errors.js';

const LEVELS = 5;
const ROUNDS = 7;
const ROUND_MS = 200;
const WARMUP_MS = 500;
export const CODEC_TARGETS: Record<PayloadKind, number> = { binary: 5_000_000, json: 500_000 };
const ALLOCATION_WINDOW = 200_000;
/** Warm-up sequence numbers start here: sequence × 1000 is above 2^31 from the first one. */
const WARMUP_FIRST_SEQUENCE = 2 ** 22;
const ALLOCATION_ATTEMPTS = 10;

/** A realistic 5-level book: cent ticks around 189.50, whole-share sizes, ms timestamps. */
export function sampleMarketData(): MarketData {
  const message = createMarketData(LEVELS);
  message.symbol = 'AAPL';
  message.timestamp = 1_730_700_000.123;
  for (let i = 0; i < LEVELS; i++) {
    message.bidPrices[i] = 1_894_900 - i * 100;
    message.bidSizes[i] = 300 + 100 * i;
    message.askPrices[i] = 1_895_100 + i * 100;
    message.askSizes[i] = 250 + 75 * i;
  }
  message.bidCount = LEVELS;
  message.askCount = LEVELS;
  message.lastPrice = 1_895_000;
  message.volume = 1_204_331;
  message.sequence = 0;
  message.sentNs = 0;
  return message;
}

/** One codec under test: a message, a buffer, an encoder and a decoder of one kind. */
class CodecLoop {
  readonly #kind: PayloadKind;
  readonly #message = sampleMarketData();
  readonly #encoder = new MessageEncoder();
  readonly #decoder = new MessageDecoder();
  readonly #frame = Buffer.alloc(4096);
  readonly #encoded: Buffer;
  readonly #encodedBytes: number;

  constructor(kind: PayloadKind) {
    this.#kind = kind;
    this.#encodedBytes = this.#encoder.encodeInto(this.#message, this.#frame, 0, kind);
    this.#encoded = Buffer.from(this.#frame.subarray(0, this.#encodedBytes));
  }

  get frameBytes(): number {
    return this.#encodedBytes;
  }

  /** Encode and decode `count` messages (sequence first..first+count-1); returns the sum of decoded sequences. */
  roundTrip(first: number, count: number): number {
    const message = this.#message;
    const frame = this.#frame;
    const encoder = this.#encoder;
    const decoder = this.#decoder;
    const kind = this.#kind;
    let sum = 0;
    for (let sequence = first; sequence < first + count; sequence++) {
      message.sequence = sequence;
      message.sentNs = sequence * 1000;
      message.timestamp = 1_730_700_000 + sequence / 1000;
      const bytes = encoder.encodeInto(message, frame, 0, kind);
      const decoded = decoder.decode(frame, FRAME_HEADER_BYTES, bytes - FRAME_HEADER_BYTES);
      if (decoded.type === MessageType.MARKET_DATA) sum += decoded.sequence;
    }
    return sum;
  }

  /** Encode only; returns the sequence number the last frame decodes to (its check). */
  encodeOnly(first: number, count: number): number {
    const message = this.#message;
    const frame = this.#frame;
    const encoder = this.#encoder;
    const kind = this.#kind;
    let bytes = 0;
    for (let sequence = first; sequence < first + count; sequence++) {
      message.sequence = sequence;
      message.timestamp = 1_730_700_000 + sequence / 1000;
      bytes = encoder.encodeInto(message, frame, 0, kind);
    }
    const last = this.#decoder.decode(frame, FRAME_HEADER_BYTES, bytes - FRAME_HEADER_BYTES);
    return last.type === MessageType.MARKET_DATA ? last.sequence : Number.NaN;
  }

  /** Decode one prepared frame `count` times; returns the sum of decoded volumes. */
  decodeOnly(count: number): number {
    const decoder = this.#decoder;
    const encoded = this.#encoded;
    const payloadBytes = this.#encodedBytes - FRAME_HEADER_BYTES;
    let sum = 0;
    for (let i = 0; i < count; i++) {
      const decoded = decoder.decode(encoded, FRAME_HEADER_BYTES, payloadBytes);
      if (decoded.type === MessageType.MARKET_DATA) sum += decoded.volume;
    }
    return sum;
  }
}

interface RoundStats {
  medianPerSecond: number;
  slowestPerSecond: number;
  fastestPerSecond: number;
}

/** Rounds of `count` operations; `run(round)` returns whether the round's result checked out. */
function timeRounds(rounds: number, count: number, run: (round: number) => boolean): RoundStats {
  const rates: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const started = process.hrtime.bigint();
    const ok = run(round);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (!ok) throw new TradingError(ErrorCode.BENCH_FAILED, `round ${round}: decoded results do not add up`);
    rates.push(count / seconds);
  }
  rates.sort((a, b) => a - b);
  return { medianPerSecond: rates[Math.floor(rates.length / 2)], slowestPerSecond: rates[0], fastestPerSecond: rates[rates.length - 1] };
}

/** Sum of first..first+count-1. */
function sequenceSum(first: number, count: number): number {
  return (count * (2 * first + count - 1)) / 2;
}

/**
 * Operations that take about `ms` at the rate seen while warming up for `warmupMs`.
 * After one batch from 0 (where the timed rounds start: zeros, small numbers), the warm-up's
 * sequence numbers jump to WARMUP_FIRST_SEQUENCE, so its sent_ns stamps
 * (sequence × 1000) are already past 2^31, as the timed rounds' become after about
 * two million messages: the optimised code is made for them from the start instead of
 * being thrown away (an int32 overflow deopt) in the middle of a timed round.
 */
function calibrate(loop: CodecLoop, warmupMs: number, ms: number): number {
  let done = 0;
  const started = performance.now();
  while (performance.now() - started < warmupMs) {
    loop.roundTrip(done === 0 ? 0 : WARMUP_FIRST_SEQUENCE + done, 10_000);
    done += 10_000;
  }
  const perMs = done / (performance.now() - started);
  return Math.max(10_000, Math.round(perMs * ms));
}

export interface AllocationMeasurement {
  /** New-space growth per iteration, bytes (0 = nothing allocated). */
  bytesPerIteration: number;
  /** Garbage collections seen during the window (a window with any is inconclusive). */
  collections: number;
}

function newSpaceUsedBytes(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_used_size ?? Number.NaN;
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Heap bytes `work(iterations)` allocates: growth of the young generation over the call,
 * minus what measuring itself costs (the same window with 0 iterations). Garbage
 * collections during the window are counted; with any, the figure is not meaningful.
 */
export async function measureAllocation(work: (iterations: number) => void, iterations: number): Promise<AllocationMeasurement> {
  let collections = 0;
  const observer = new PerformanceObserver((list) => {
    collections += list.getEntries().length;
  });
  observer.observe({ entryTypes: ['gc'] });
  try {
    await nextTurn();
    await nextTurn();
    collections = 0;
    const emptyBefore = newSpaceUsedBytes();
    work(0);
    const emptyAfter = newSpaceUsedBytes();
    const before = newSpaceUsedBytes();
    work(iterations);
    const after = newSpaceUsedBytes();
    await nextTurn();
    await nextTurn();
    const growth = Math.max(0, after - before - (emptyAfter - emptyBefore));
    return { bytesPerIteration: growth / iterations, collections };
  } finally {
    observer.disconnect();
  }
}

/**
 * A round trip's allocation per message, from the first window without a GC. Sequences
 * start at WARMUP_FIRST_SEQUENCE, so sent_ns is past 2^31 (an integer a call would box).
 */
async function roundTripAllocation(loop: CodecLoop): Promise<AllocationMeasurement> {
  let last: AllocationMeasurement = { bytesPerIteration: Number.NaN, collections: 0 };
  for (let attempt = 0; attempt < ALLOCATION_ATTEMPTS; attempt++) {
    last = await measureAllocation((iterations) => loop.roundTrip(WARMUP_FIRST_SEQUENCE, iterations), ALLOCATION_WINDOW);
    if (last.collections === 0) return last;
  }
  return last;
}

function rateText(stats: RoundStats): string {
  return `${formatRate(stats.medianPerSecond)} (${formatRate(stats.slowestPerSecond)}..${formatRate(stats.fastestPerSecond)})`;
}

/** Throughput and allocation of one codec: its table rows and figures. */
export async function measureCodec(kind: PayloadKind, context: BenchContext): Promise<BenchResult> {
  const scale = Math.min(1, context.scale);
  const roundMs = Math.max(20, ROUND_MS * context.scale);
  const warmupMs = Math.max(100, WARMUP_MS * scale);
  const rows: BenchRow[] = [];
  const figures: Record<string, number> = {};

  const loop = new CodecLoop(kind);
  const count = calibrate(loop, warmupMs, roundMs);
  let first = 0;
  const both = timeRounds(ROUNDS, count, () => {
    const sum = loop.roundTrip(first, count);
    const ok = sum === sequenceSum(first, count);
    first += count;
    return ok;
  });
  const encodeCount = count * 2;
  // One untimed pass each: their loops are compiled (and their first-time deopts taken) here, not in round 0.
  loop.encodeOnly(0, count);
  loop.decodeOnly(count);
  const encode = timeRounds(ROUNDS, encodeCount, () => loop.encodeOnly(0, encodeCount) === encodeCount - 1);
  const decode = timeRounds(ROUNDS, encodeCount, () => loop.decodeOnly(encodeCount) === encodeCount * sampleMarketData().volume);
  context.log(`${kind}: ${rateText(both)} encode+decode, ${rateText(encode)} encode, ${rateText(decode)} decode`);
  const label = kind === 'binary' ? 'binary' : 'JSON';
  rows.push({
    metric: `codec ${label}: encode+decode 5-level MARKET_DATA`,
    value: `${Math.round(both.medianPerSecond).toLocaleString('en-US')} msgs/s`,
    target: `≥ ${CODEC_TARGETS[kind].toLocaleString('en-US')} msgs/s`,
    seed: kind === 'json' ? '127k (published) / 102k (here), encode only' : 'none',
    notes:
      `median of ${ROUNDS} rounds × ${count.toLocaleString('en-US')} msgs, spread ${formatRate(both.slowestPerSecond)}..${formatRate(both.fastestPerSecond)}; ` +
      `encode alone ${formatRate(encode.medianPerSecond)}, decode alone ${formatRate(decode.medianPerSecond)}; ${loop.frameBytes}-byte frames`,
  });
  figures[`codec_${kind}_msgs_per_s`] = Math.round(both.medianPerSecond);
  figures[`codec_${kind}_msgs_per_s_slowest_round`] = Math.round(both.slowestPerSecond);
  figures[`codec_${kind}_msgs_per_s_fastest_round`] = Math.round(both.fastestPerSecond);
  figures[`codec_${kind}_encode_msgs_per_s`] = Math.round(encode.medianPerSecond);
  figures[`codec_${kind}_decode_msgs_per_s`] = Math.round(decode.medianPerSecond);
  figures[`codec_${kind}_frame_bytes`] = loop.frameBytes;

  const allocation = await roundTripAllocation(loop);
  const conclusive = allocation.collections === 0;
  context.log(`${kind} allocation: ${allocation.bytesPerIteration.toFixed(3)} bytes/msg (${allocation.collections} GCs in the window)`);
  rows.push({
    metric: `codec ${label}: heap allocated per encode+decode`,
    value: conclusive ? `${allocation.bytesPerIteration.toFixed(2)} bytes/msg` : 'inconclusive (GC in every window)',
    target: '0 bytes/msg',
    notes: `young-generation growth over ${ALLOCATION_WINDOW.toLocaleString('en-US')} msgs with no GC in the window`,
  });
  if (conclusive) figures[`codec_${kind}_heap_bytes_per_msg`] = allocation.bytesPerIteration;
  return { rows, figures };
}
