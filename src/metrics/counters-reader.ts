/**
 * The reading side of the counters segments: from outside, with no call into the writers.
 *
 *   const reader = openCounters('/ipc-trading-book.metrics.ordermanager');
 *   const snapshot = reader.snapshot();   // { component, alive, starts, counters, histograms }
 *   reader.close();
 *
 *   readSystemCounters('/ipc-trading-book')  // a snapshot of each component's segment that exists
 *
 * A snapshot allocates (it is for tools, once a second or so), the writers never wait for it.
 */
import { ErrorCode, TradingError } from '../core/errors.js';
import { closeSegment, openSegment, ShmError } from '../shm/native.js';
import * as Layout from './counters-layout.js';
import { processAlive, readLabelEntry, type CountersMetadata, type MetricDescriptor } from './counters-writer.js';
import { COMPONENT_NAMES } from './registry.js';

export interface MetricLabels {
  component: string;
  symbol?: string;
  /** An error code (the order manager's rejects by code). */
  code?: string;
  /** Why a state holds (a server's send buffers that cannot be held). */
  reason?: string;
}

export interface CounterSample {
  component: string;
  name: string;
  kind: 'counter' | 'gauge';
  unit: string;
  help: string;
  labels: MetricLabels;
  value: number;
}

export interface HistogramSample {
  component: string;
  name: string;
  unit: string;
  help: string;
  labels: MetricLabels;
  /** Upper bound of each bucket (inclusive), in `unit`; the last is Infinity. */
  bounds: number[];
  /** Values per bucket (not cumulative). */
  counts: number[];
  count: number;
  sum: number;
}

export interface ComponentSnapshot {
  component: string;
  /** The segment's name. */
  segment: string;
  pid: number;
  /** 'open' while a writer has it, 'closed' once it stopped, 'initialising' before it is open. */
  state: 'initialising' | 'open' | 'closed';
  /** The writer process exists and the segment is open: the component is up. */
  alive: boolean;
  /** Processes of this component that attached (1 = never restarted). */
  starts: number;
  /** When the writer last published its counters (epoch ms). */
  publishedMs: number;
  counters: CounterSample[];
  histograms: HistogramSample[];
}

/** A counters segment mapped for reading. */
export class CountersReader {
  readonly name: string;
  readonly component: string;
  readonly metrics: readonly MetricDescriptor[];
  readonly #buffer: ArrayBuffer;
  readonly #header: Uint32Array;
  readonly #headerF64: Float64Array;
  readonly #values: Float64Array;
  readonly #histogramsIndex: number;
  readonly #bytes: Uint8Array;
  readonly #symbolTableOffset: number;
  readonly #symbolCapacity: number;

  constructor(name: string) {
    const buffer = openSegment(name);
    try {
      const header = new Uint32Array(buffer, 0, Math.min(Layout.HEADER_U32S, buffer.byteLength >> 2));
      if (header.length < Layout.HEADER_U32S || header[Layout.MAGIC_OFFSET / 4] !== Layout.COUNTERS_MAGIC) {
        throw new TradingError(ErrorCode.SHM_LAYOUT_MISMATCH, `${name} is not a counters segment`);
      }
      if (header[Layout.LAYOUT_VERSION_OFFSET / 4] !== Layout.COUNTERS_LAYOUT_VERSION) {
        throw new TradingError(ErrorCode.SHM_LAYOUT_MISMATCH, `${name} has counters layout ${header[Layout.LAYOUT_VERSION_OFFSET / 4]}, this build reads ${Layout.COUNTERS_LAYOUT_VERSION}`);
      }
      if (Atomics.load(header, Layout.WRITER_STATE_OFFSET / 4) === 0) {
        throw new TradingError(ErrorCode.SHM_NOT_READY, `${name} is still being initialised by its writer`);
      }
      const metadataOffset = header[Layout.METADATA_OFFSET_OFFSET / 4] ?? 0;
      const metadataBytes = header[Layout.METADATA_BYTES_OFFSET / 4] ?? 0;
      const valuesOffset = header[Layout.VALUES_OFFSET_OFFSET / 4] ?? 0;
      const histogramsOffset = header[Layout.HISTOGRAMS_OFFSET_OFFSET / 4] ?? 0;
      if (metadataOffset + metadataBytes > buffer.byteLength || valuesOffset > buffer.byteLength || histogramsOffset > buffer.byteLength || valuesOffset % 8 !== 0) {
        throw new TradingError(ErrorCode.SHM_LAYOUT_MISMATCH, `${name}: header offsets out of the segment`);
      }
      const metadata = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, metadataOffset, metadataBytes))) as CountersMetadata;
      this.name = name;
      this.component = metadata.component;
      this.metrics = metadata.metrics;
      this.#buffer = buffer;
      this.#header = header;
      this.#headerF64 = new Float64Array(buffer, 0, 8);
      this.#values = new Float64Array(buffer, valuesOffset, (buffer.byteLength - valuesOffset) / 8);
      this.#histogramsIndex = (histogramsOffset - valuesOffset) / 8;
      this.#bytes = new Uint8Array(buffer);
      this.#symbolTableOffset = header[Layout.SYMBOL_TABLE_OFFSET_OFFSET / 4] ?? 0;
      this.#symbolCapacity = header[Layout.SYMBOL_CAPACITY_OFFSET / 4] ?? 0;
      const componentName = new TextDecoder().decode(new Uint8Array(buffer, Layout.COMPONENT_OFFSET, Layout.COMPONENT_BYTES)).replace(/\0+$/, '');
      if (componentName !== this.component) throw new TradingError(ErrorCode.SHM_LAYOUT_MISMATCH, `${name}: component ${componentName} vs metadata ${this.component}`);
    } catch (err) {
      closeSegment(buffer);
      if (err instanceof SyntaxError) throw new TradingError(ErrorCode.SHM_LAYOUT_MISMATCH, `${name}: unreadable metadata`);
      throw err;
    }
  }

  /** The value of one counter or gauge now (0 when this segment has no such metric; the first symbol's for a per-symbol one). */
  value(name: string): number {
    for (const metric of this.metrics) if (metric.name === name && metric.kind !== 'histogram') return this.#values[metric.slot] ?? 0;
    return 0;
  }

  snapshot(): ComponentSnapshot {
    const pid = this.#header[Layout.WRITER_PID_OFFSET / 4] ?? 0;
    const rawState = Atomics.load(this.#header, Layout.WRITER_STATE_OFFSET / 4);
    const state = rawState === Layout.CountersWriterState.OPEN ? 'open' : rawState === Layout.CountersWriterState.CLOSED ? 'closed' : 'initialising';
    const counters: CounterSample[] = [];
    const histograms: HistogramSample[] = [];
    const symbolCount = Math.min(Atomics.load(this.#header, Layout.SYMBOL_COUNT_OFFSET / 4), this.#symbolCapacity);
    const entries: { key: string; value: string }[] = [];
    for (let i = 0; i < symbolCount; i++) entries.push(readLabelEntry(this.#bytes, this.#symbolTableOffset, i));
    for (const metric of this.metrics) {
      const labels: MetricLabels = { component: this.component };
      if (metric.label !== undefined && metric.kind !== 'histogram') {
        for (let i = 0; i < symbolCount; i++) {
          const entry = entries[i];
          if (entry === undefined || entry.key !== metric.label) continue;
          const labels: MetricLabels = { component: this.component };
          labels[metric.label] = entry.value;
          counters.push({ component: this.component, name: metric.name, kind: metric.kind, unit: metric.unit, help: metric.help, labels, value: this.#values[metric.slot + i] ?? 0 });
        }
      } else if (metric.kind === 'histogram') {
        const base = this.#histogramsIndex + (metric.slot * Layout.HISTOGRAM_BYTES) / 8;
        const counts: number[] = [];
        const bounds: number[] = [];
        let count = 0;
        for (let i = 0; i < Layout.HISTOGRAM_BUCKETS; i++) {
          const n = this.#values[base + Layout.HISTOGRAM_FIRST_BUCKET_INDEX + i] ?? 0;
          counts.push(n);
          bounds.push(Layout.histogramBucketBound(i));
          count += n;
        }
        histograms.push({ component: this.component, name: metric.name, unit: metric.unit, help: metric.help, labels, bounds, counts, count, sum: this.#values[base + Layout.HISTOGRAM_SUM_INDEX] ?? 0 });
      } else {
        counters.push({ component: this.component, name: metric.name, kind: metric.kind, unit: metric.unit, help: metric.help, labels, value: this.#values[metric.slot] ?? 0 });
      }
    }
    return {
      component: this.component,
      segment: this.name,
      pid,
      state,
      alive: state === 'open' && processAlive(pid),
      starts: this.#header[Layout.STARTS_OFFSET / 4] ?? 0,
      publishedMs: this.#headerF64[Layout.PUBLISHED_MS_OFFSET / 8] ?? 0,
      counters,
      histograms,
    };
  }

  close(): void {
    closeSegment(this.#buffer);
  }
}

/** Map a counters segment for reading. E_SHM_NOT_FOUND when it does not exist. */
export function openCounters(name: string): CountersReader {
  return new CountersReader(name);
}

/** Open the segment if it exists (undefined otherwise, or while its writer is initialising it). */
export function tryOpenCounters(name: string): CountersReader | undefined {
  try {
    return new CountersReader(name);
  } catch (err) {
    if (err instanceof ShmError && (err.code === ErrorCode.SHM_NOT_FOUND || err.code === ErrorCode.SHM_NOT_READY)) return undefined;
    if (err instanceof TradingError && err.code === ErrorCode.SHM_NOT_READY) return undefined;
    throw err;
  }
}

/** A snapshot of every component of the system named by its book segment, in start order; absent ones are left out. */
export function readSystemCounters(bookShm: string, components: readonly string[] = COMPONENT_NAMES): ComponentSnapshot[] {
  const snapshots: ComponentSnapshot[] = [];
  for (const component of components) {
    const reader = tryOpenCounters(Layout.counterSegmentName(bookShm, component));
    if (reader === undefined) continue;
    try {
      snapshots.push(reader.snapshot());
    } finally {
      reader.close();
    }
  }
  return snapshots;
}

/** A labelled sample's symbol, code or reason; undefined for a plain one. */
export function labelValue(sample: CounterSample): string | undefined {
  return sample.labels.symbol ?? sample.labels.code ?? sample.labels.reason;
}

/** `name`, or `name.LABEL` for a labelled sample (`position_shares.AAPL`, `rejects_by_code.E_RISK_MAX_QTY`). */
export function sampleKey(sample: CounterSample): string {
  const label = labelValue(sample);
  return label === undefined ? sample.name : `${sample.name}.${label}`;
}

/** One counter or gauge of a snapshot by name, and its symbol or code for a labelled one (0 when absent). */
export function sampleValue(snapshot: ComponentSnapshot | undefined, name: string, label?: string): number {
  if (snapshot === undefined) return 0;
  for (const sample of snapshot.counters) if (sample.name === name && labelValue(sample) === label) return sample.value;
  return 0;
}

/** A value at percentile p (0..100) of a histogram: the upper bound of the bucket that holds it. */
export function histogramPercentile(histogram: HistogramSample, p: number): number {
  if (histogram.count === 0) return 0;
  const rank = Math.ceil((p / 100) * histogram.count);
  let seen = 0;
  for (let i = 0; i < histogram.counts.length; i++) {
    seen += histogram.counts[i] ?? 0;
    if (seen >= rank) return histogram.bounds[i] ?? Number.POSITIVE_INFINITY;
  }
  return Number.POSITIVE_INFINITY;
}

/**
 * The q-quantile (0..1) of a histogram, interpolated linearly inside its bucket as
 * Prometheus's histogram_quantile does; a value in the +Inf bucket reads as the last finite
 * bound. 0 for an empty histogram.
 */
export function histogramQuantile(histogram: HistogramSample, q: number): number {
  if (histogram.count === 0) return 0;
  const rank = q * histogram.count;
  let seen = 0;
  for (let i = 0; i < histogram.counts.length; i++) {
    const inBucket = histogram.counts[i] ?? 0;
    if (inBucket > 0 && seen + inBucket >= rank) {
      const lower = i === 0 ? 0 : (histogram.bounds[i - 1] ?? 0);
      const upper = histogram.bounds[i] ?? Number.POSITIVE_INFINITY;
      if (!Number.isFinite(upper)) return lower;
      return lower + ((upper - lower) * Math.max(0, rank - seen)) / inBucket;
    }
    seen += inBucket;
  }
  return histogram.bounds.at(-2) ?? 0;
}
