/**
 * Components' health, rates and latency from their counters. The counters come from a
 * `HealthSource`: under `trading run`, the supervisor's view of its children (their counters
 * arrive over IPC about once a second); standalone, whatever source is given. Pure
 * arithmetic over samples: CPU % from the cpu_ms deltas, rates from counter deltas (a
 * counter that went down means a restarted process: its new value is the delta).
 */
import type { ComponentStatus, ComponentView, LatencyView, RejectView } from './wire.js';

export type ProcessState = 'idle' | 'starting' | 'running' | 'stopping' | 'exited';

export interface ComponentSample {
  name: string;
  state: ProcessState;
  pid: number | undefined;
  /** How many times it has been started (1 = never restarted). */
  starts: number;
  counters: Readonly<Record<string, number>>;
  /** Monotonic ms when its counters last arrived (undefined: never). */
  countersAtMs: number | undefined;
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

export class HealthTracker {
  readonly #previous = new Map<string, Previous>();
  readonly #cpuPercent = new Map<string, number>();
  readonly #orders = new CounterRate();
  readonly #fills = new CounterRate();
  readonly #rejectTotals = new Map<string, number>();
  #rejectPid: number | undefined;

  /** Turn samples into the page's view; `onReject` gets each new batch of rejects by code. */
  update(samples: readonly ComponentSample[], nowMs: number, epochS: number, onReject: (reject: RejectView) => void): HealthView {
    const components: ComponentView[] = [];
    const byName = new Map(samples.map((sample) => [sample.name, sample]));
    for (const sample of samples) {
      const cpuMs = sample.counters['cpu_ms'];
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
        rssMb: up ? (sample.counters['rss_mb'] ?? null) : null,
      });
    }
    const gateway = byName.get('gateway')?.counters;
    const om = byName.get('ordermanager');
    const strategy = byName.get('strategy')?.counters;
    this.#orders.update(om?.counters['orders'], nowMs);
    this.#fills.update(om?.counters['fills'], nowMs);
    const rejectsByCode: Record<string, number> = {};
    if (om !== undefined) {
      // a restarted order manager counts from zero again
      if (om.pid !== this.#rejectPid) {
        this.#rejectPid = om.pid;
        this.#rejectTotals.clear();
      }
      for (const [key, value] of Object.entries(om.counters)) {
        if (!key.startsWith('rejects.')) continue;
        const code = key.slice('rejects.'.length);
        rejectsByCode[code] = value;
        const before = this.#rejectTotals.get(code) ?? 0;
        if (value > before) onReject({ time: epochS, code, count: value - before });
        this.#rejectTotals.set(code, value);
      }
    }
    const latency = (name: LatencyView['name'], counters: Readonly<Record<string, number>> | undefined): LatencyView => {
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
        ticksPerS: gateway?.['market_data_per_s'] ?? null,
        ordersPerS: this.#orders.rate,
        fillsPerS: this.#fills.rate,
      },
      latency: [latency('tick_to_trade', om?.counters), latency('order_to_ack', strategy)],
      rejectsByCode,
    };
  }
}
