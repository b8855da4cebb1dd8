/**
 * The final statistics of a run: per process its counters (with rates over the run), the
 * trading result from the order manager's counters, and the latency percentiles the
 * components measured. Printed as a table and written as JSON with --summary.
 *
 * Counter names the summary understands (the components publish them):
 *   ordermanager: orders, fills, rejects, volume, realized_pnl, unrealized_pnl,
 *                 position.<SYMBOL>, tick_to_trade_p50_us, tick_to_trade_p99_us
 *   strategy:     order_to_ack_p50_us, order_to_ack_p99_us
 */
import { formatTable } from '../core/format.js';
import type { Counters } from '../core/runtime.js';

export interface ComponentResult {
  name: string;
  counters: Counters;
  restarts: number;
}

export interface RunSummary {
  elapsedSeconds: number;
  exitCode: number;
  reason: string;
  trading: {
    orders: number;
    fills: number;
    rejects: number;
    volume: number;
    realizedPnl: number;
    unrealizedPnl: number;
    positions: Record<string, number>;
  };
  latency: Record<string, number>;
  components: Record<string, { restarts: number; counters: Counters }>;
}

export function buildSummary(input: { elapsedMs: number; exitCode: number; reason: string; components: ComponentResult[] }): RunSummary {
  const om = input.components.find((c) => c.name === 'ordermanager')?.counters ?? {};
  const positions: Record<string, number> = {};
  const latency: Record<string, number> = {};
  for (const component of input.components) {
    for (const [key, value] of Object.entries(component.counters)) {
      if (/_p\d+_(us|ns|ms)$/.test(key)) latency[key] = value;
    }
  }
  for (const [key, value] of Object.entries(om)) {
    if (key.startsWith('position.')) positions[key.slice('position.'.length)] = value;
  }
  return {
    elapsedSeconds: Math.round(input.elapsedMs) / 1000,
    exitCode: input.exitCode,
    reason: input.reason,
    trading: {
      orders: om['orders'] ?? 0,
      fills: om['fills'] ?? 0,
      rejects: om['rejects'] ?? 0,
      volume: om['volume'] ?? 0,
      realizedPnl: om['realized_pnl'] ?? 0,
      unrealizedPnl: om['unrealized_pnl'] ?? 0,
      positions,
    },
    latency,
    components: Object.fromEntries(input.components.map((c) => [c.name, { restarts: c.restarts, counters: c.counters }])),
  };
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

export function formatSummary(summary: RunSummary): string {
  const seconds = Math.max(summary.elapsedSeconds, 0.001);
  const processRows: string[][] = [];
  for (const [name, { restarts, counters }] of Object.entries(summary.components)) {
    const keys = Object.keys(counters).filter((key) => !key.startsWith('position.') && !/_p\d+_(us|ns|ms)$/.test(key));
    if (keys.length === 0) processRows.push([name, '(no counters)', '', '', String(restarts)]);
    keys.forEach((key, i) => {
      const value = counters[key] ?? 0;
      const rate =
        key === 'cpu_ms'
          ? `${((value / 10) / seconds).toFixed(1)}% cpu`
          : /_per_s$|pnl|connected|clients|open_|position|_mb$/.test(key)
            ? ''
            : `${formatNumber(value / seconds)}/s`;
      processRows.push([i === 0 ? name : '', key, formatNumber(value), rate, i === 0 ? String(restarts) : '']);
    });
  }
  const t = summary.trading;
  const tradingRows = [
    // orders and rejects are counted by the order manager process (a restart starts them
    // again); fills, volume, positions and PnL are the trade log's, which it rebuilds on
    // every start and which outlives runs
    ['orders (order manager process)', String(t.orders)],
    ['rejects (order manager process)', String(t.rejects)],
    ['fills (trade log)', String(t.fills)],
    ['volume, shares (trade log)', String(t.volume)],
    ['realized PnL', t.realizedPnl.toFixed(2)],
    ['unrealized PnL', t.unrealizedPnl.toFixed(2)],
    ...Object.entries(t.positions).map(([symbol, qty]) => [`position ${symbol}`, String(qty)]),
  ];
  const latencyRows = Object.entries(summary.latency).map(([key, value]) => [key, formatNumber(value)]);
  const parts = [
    `run finished after ${summary.elapsedSeconds.toFixed(1)} s: ${summary.reason} (exit ${summary.exitCode})`,
    '',
    formatTable(['process', 'counter', 'value', 'rate', 'restarts'], processRows),
    '',
    formatTable(['trading', 'value'], tradingRows),
  ];
  if (latencyRows.length > 0) parts.push('', formatTable(['latency', 'value'], latencyRows));
  return parts.join('\n');
}
