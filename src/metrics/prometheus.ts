/**
 * Counters segments in Prometheus's text exposition format, through prom-client (the format's
 * well-kept library): its Registry renders, our collectors hand it the values read from the
 * segments at scrape time, so a scrape never calls into a component.
 *
 * Names: `ipc_trading_<name>`; counters end in `_total`; histograms (kept in µs) are
 * exposed in seconds as `ipc_trading_<name>_seconds` with cumulative `le` buckets. Labels:
 * `component`, and `symbol` where a metric has one. `ipc_trading_component_up` is 1 while a
 * component's process is alive and its segment open.
 */
import { Registry, type Metric } from 'prom-client';
import type { ComponentSnapshot } from './counters-reader.js';

export const PROMETHEUS_PREFIX = 'ipc_trading_';
export const PROMETHEUS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

type Labels = Record<string, string>;
interface Sample {
  labels: Labels;
  value: number;
  metricName?: string;
}

/** One metric family in prom-client's collector shape, its values fixed at construction. */
class Family {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly aggregator = 'sum' as const;
  readonly values: Sample[] = [];

  constructor(name: string, help: string, type: 'counter' | 'gauge' | 'histogram') {
    this.name = name;
    this.help = help;
    this.type = type;
  }

  collect(): void {
    // the values were read from the segments when the family was made
  }

  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Sample[] }> {
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.values });
  }

  reset(): void {
    this.values.length = 0;
  }
}

/** Prometheus's `le` for a bucket bound in seconds. */
function leText(seconds: number): string {
  return Number.isFinite(seconds) ? String(seconds) : '+Inf';
}

/** The exposition of these snapshots (one scrape). */
export async function renderPrometheus(snapshots: readonly ComponentSnapshot[]): Promise<string> {
  const families = new Map<string, Family>();
  const family = (name: string, help: string, type: 'counter' | 'gauge' | 'histogram'): Family => {
    let found = families.get(name);
    if (found === undefined) {
      found = new Family(name, help, type);
      families.set(name, found);
    }
    return found;
  };
  const up = family(`${PROMETHEUS_PREFIX}component_up`, '1 while the component process is alive and publishing its counters', 'gauge');
  for (const snapshot of snapshots) {
    up.values.push({ labels: { component: snapshot.component }, value: snapshot.alive ? 1 : 0 });
    for (const sample of snapshot.counters) {
      const name = `${PROMETHEUS_PREFIX}${sample.name}${sample.kind === 'counter' ? '_total' : ''}`;
      const labels: Labels = { component: sample.component };
      if (sample.labels.symbol !== undefined) labels['symbol'] = sample.labels.symbol;
      if (sample.labels.code !== undefined) labels['code'] = sample.labels.code;
      if (sample.labels.reason !== undefined) labels['reason'] = sample.labels.reason;
      family(name, `${sample.help} (${sample.unit})`, sample.kind).values.push({ labels, value: sample.value });
    }
    for (const histogram of snapshot.histograms) {
      const name = `${PROMETHEUS_PREFIX}${histogram.name}_seconds`;
      const target = family(name, `${histogram.help} (seconds)`, 'histogram');
      const labels: Labels = { component: histogram.component };
      let cumulative = 0;
      for (let i = 0; i < histogram.counts.length; i++) {
        cumulative += histogram.counts[i] ?? 0;
        const bound = histogram.bounds[i] ?? Number.POSITIVE_INFINITY;
        target.values.push({ metricName: `${name}_bucket`, labels: { ...labels, le: leText(bound / 1e6) }, value: cumulative });
      }
      target.values.push({ metricName: `${name}_sum`, labels, value: histogram.sum / 1e6 });
      target.values.push({ metricName: `${name}_count`, labels, value: cumulative });
    }
  }
  const registry = new Registry();
  for (const each of families.values()) registry.registerMetric(each as unknown as Metric);
  return registry.metrics();
}
