/**
 * Components' health, rates and latency from their counters. The counters come from a
 * `HealthSource`: under `trading run`, the supervisor's view of its children (their counters
 * arrive over IPC about once a second); standalone, whatever source is given. Pure
 * arithmetic over samples: CPU % from the cpu_ms deltas, rates from counter deltas (a
 * counter that went down means a restarted process: its new value is the delta).
 */
import type { ComponentStatus, ComponentView, HistogramView, LatencyView, RejectView, UnknownOrdersView } from './wire.js';

export type ProcessState = 'idle' | 'starting' | 'running' | 'stopping' | 'exited';

export interface ComponentSample {
  name: string;
  state: ProcessState;
  pid: number | undefined;
  /** How many times it has been started (1 = never restarted). */
  starts: number;
  counters: Readonly<Record<string, number>>;
  /** Latency histograms by name (µs), when the source has them. */
  histograms?: Readonly<Record<string, LatencyHistogram>>;
  /** Monotonic ms when its counters last arrived (undefined: never). */
  countersAtMs: number | undefined;
}

export interface LatencyHistogram extends HistogramView {
  count: number;
  p50Us: number;
  p99Us: number;
}

export interface HealthSource {
  /** Where the figures come from, shown on the page. */
  readonly label: string;
  sample(): ComponentSample[];
}

/** A running component whose counters are older than this is unresponsive, ms. */
export const UNRESPONSIVE_AFTER_MS = 3_000;

interface Previous {
  pid: number | undefined;
  atMs: number;
  cpuMs: number;
}

export interface HealthView {
  components: ComponentView[];
  rates: { ticksPerS: number | null; ordersPerS: number | null; fillsPerS: number | null };
  latency: LatencyView[];
  rejectsByCode: Record<string, number>;
  unknownOrders: UnknownOrdersView | null;
}

function rssMbOf(counters: Readonly<Record<string, number>>): number | null {
  const bytes = counters['process_resident_memory_bytes'];
  if (bytes !== undefined) return Math.round(bytes / 1048576);
  return counters['rss_mb'] ?? null;
}

function statusOf(sample: ComponentSample, nowMs: number): ComponentStatus {
  switch (sample.state) {
    case 'running':
      return sample.countersAtMs !== undefined && nowMs - sample.countersAtMs > UNRESPONSIVE_AFTER_MS ? 'unresponsive' : 'up';
    case 'starting':
      return sample.starts > 1 ? 'restarting' : 'starting';
    case 'exited':
      return 'down';
    case 'stopping':
      return 'stopping';
    default:
      return 'unknown';
  }
}

/** Rate of a counter over the window between two samples. */
class CounterRate {
  #value = Number.NaN;
  #atMs = 0;
  rate: number | null = null;

  update(value: number | undefined, nowMs: number): void {
    if (value === undefined) return;
    if (Number.isNaN(this.#value)) {
      this.#value = value;
      this.#atMs = nowMs;
      return;
    }
    const elapsedMs = nowMs - this.#atMs;
    if (elapsedMs < 900 && this.rate !== null) return;
    if (elapsedMs <= 0) return;
    const delta = value >= this.#value ? value - this.#value : value;
    this.rate = (delta * 1000) / elapsedMs;
    this.#value = value;
    this.#atMs = nowMs;
  }
}

/** The reject code a counter name stands for, if it is a per-code reject counter. */
function rejectCodeOf(key: string): string | undefined {
  if (key.startsWith('rejects.')) return key.slice('rejects.'.length);
  if (key.startsWith('rejects_e_')) return key.slice('rejects_'.length).toUpperCase();
  return undefined;
}

function unknownOrdersOf(counters: Readonly<Record<string, number>> | undefined): UnknownOrdersView | null {
  if (counters === undefined) return null;
  return { unanswered: counters['orders_unanswered'] ?? 0, abandoned: counters['orders_abandoned'] ?? 0, lost: counters['orders_lost'] ?? 0 };
}

export class HealthTracker {
  readonly #previous = new Map<string, Previous>();
  readonly #cpuPercent = new Map<string, number>();
  readonly #ticks = new CounterRate();
  readonly #orders = new CounterRate();
  readonly #fills = new CounterRate();
  readonly #rejectTotals = new Map<string, number>();
  #rejectsPrimed = false;

  /** Turn samples into the page's view; `onReject` gets each new batch of rejects by code. */
  update(samples: readonly ComponentSample[], nowMs: number, epochS: number, onReject: (reject: RejectView) => void): HealthView {
    const components: ComponentView[] = [];
    const byName = new Map(samples.map((sample) => [sample.name, sample]));
    for (const sample of samples) {
      const cpuSeconds = sample.counters['process_cpu_seconds'];
      const cpuMs = cpuSeconds !== undefined ? cpuSeconds * 1000 : sample.counters['cpu_ms'];
      const previous = this.#previous.get(sample.name);
      if (cpuMs !== undefined && sample.countersAtMs !== undefined) {
        if (previous !== undefined && previous.pid === sample.pid && sample.countersAtMs > previous.atMs) {
          if (sample.countersAtMs - previous.atMs >= 900) {
            const percent = ((cpuMs - previous.cpuMs) * 100) / (sample.countersAtMs - previous.atMs);
            this.#cpuPercent.set(sample.name, Math.max(0, percent));
            this.#previous.set(sample.name, { pid: sample.pid, atMs: sample.countersAtMs, cpuMs });
          }
        } else if (previous === undefined || previous.pid !== sample.pid) {
          this.#cpuPercent.delete(sample.name);
          this.#previous.set(sample.name, { pid: sample.pid, atMs: sample.countersAtMs, cpuMs });
        }
      }
      const up = sample.state === 'running' || sample.state === 'stopping';
      components.push({
        name: sample.name,
        status: statusOf(sample, nowMs),
        pid: up || sample.state === 'starting' ? (sample.pid ?? null) : null,
        restarts: Math.max(0, sample.starts - 1),
        cpuPercent: up ? (this.#cpuPercent.get(sample.name) ?? null) : null,
        rssMb: up ? rssMbOf(sample.counters) : null,
      });
    }
    const gateway = byName.get('gateway')?.counters;
    const om = byName.get('ordermanager');
    this.#ticks.update(gateway?.['market_data_sent'], nowMs);
    this.#orders.update(om?.counters['orders'], nowMs);
    this.#fills.update(om?.counters['fills'], nowMs);
    const rejectsByCode: Record<string, number> = {};
    if (om !== undefined) {
      // by code when the source has them (rejects.E_RISK_MAX_QTY or rejects_e_risk_max_qty), else the total
      const byCode = Object.keys(om.counters).some((key) => rejectCodeOf(key) !== undefined);
      for (const [key, value] of Object.entries(om.counters)) {
        const code = byCode ? rejectCodeOf(key) : key === 'rejects' ? 'any code' : undefined;
        if (code === undefined) continue;
        rejectsByCode[code] = value;
        // a counter that went down belongs to a restarted process counting from zero
        const before = this.#rejectTotals.get(code) ?? 0;
        const added = value >= before ? value - before : value;
        // what was rejected before the dashboard first looked is a total, not an event
        if (added > 0 && this.#rejectsPrimed) onReject({ time: epochS, code, count: added });
        this.#rejectTotals.set(code, value);
      }
      this.#rejectsPrimed = true;
    }
    const latency = (name: LatencyView['name'], sample: ComponentSample | undefined): LatencyView => {
      const histogram = sample?.histograms?.[name];
      if (histogram !== undefined) {
        const count = histogram.count;
        return { name, count, p50Us: count > 0 ? histogram.p50Us : null, p99Us: count > 0 ? histogram.p99Us : null, histogram: { upperUs: histogram.upperUs, counts: histogram.counts } };
      }
      const counters = sample?.counters;
      const count = counters?.[`${name}_count`] ?? 0;
      return {
        name,
        count,
        p50Us: count > 0 ? (counters?.[`${name}_p50_us`] ?? null) : null,
        p99Us: count > 0 ? (counters?.[`${name}_p99_us`] ?? null) : null,
        histogram: null,
      };
    };
    return {
      components,
      rates: {
        ticksPerS: gateway?.['market_data_per_s'] ?? this.#ticks.rate,
        ordersPerS: this.#orders.rate,
        fillsPerS: this.#fills.rate,
      },
      latency: [latency('tick_to_trade', om), latency('order_to_ack', byName.get('strategy'))],
      rejectsByCode,
      unknownOrders: unknownOrdersOf(byName.get('strategy')?.counters),
    };
  }
}
