/**
 * The backtest's report, from its trade log and the recording: fills, volume, realized and
 * unrealized PnL per symbol, the equity curve, max drawdown, Sharpe and Sortino, turnover,
 * win rate. As a table, as JSON, and as one self-contained HTML page (lightweight-charts'
 * standalone build inlined: equity curve, and each symbol's mid with its fills marked).
 *
 * Definitions (currency units; prices from the log's decimals):
 * - Realized PnL: average-cost accounting per symbol, fill by fill.
 * - Unrealized PnL: the open position marked at the symbol's last mid in the recording.
 * - Equity curve: realized + unrealized after each fill, every symbol marked at the mid of
 *   the book the fill executed against (by its book_sequence) or its last mark; it starts
 *   at 0 and ends at the final equity, at the recording's last time.
 * - Max drawdown: the largest fall of the equity curve from a previous peak.
 * - Sharpe and Sortino: of the curve's step changes (mean over standard deviation, and
 *   over the downside deviation), per step, not annualized: a recording has no calendar.
 * - Turnover: traded notional (Σ quantity × price). Win rate: the share of position-reducing
 *   fills that realized a profit.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { PRICE_SCALE } from '../core/fixed-point.js';
import type { MarketSeries } from './market-series.js';

export interface Fill {
  orderId: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  quantity: number;
  price: number;
  timestamp: number;
  bookSequence: number;
}

export interface SymbolResult {
  fills: number;
  volume: number;
  notional: number;
  position: number;
  realized_pnl: number;
  unrealized_pnl: number;
}

export interface BacktestReport {
  ticks: number;
  ticks_per_s: number;
  seconds: number;
  orders: number;
  fills: number;
  volume: number;
  realized_pnl: number;
  unrealized_pnl: number;
  total_pnl: number;
  max_drawdown: number;
  sharpe: number;
  sortino: number;
  turnover: number;
  win_rate: number;
  /** Ticks whose book lagged at the strategy's first read (0 in a backtest: the gate brings it first). */
  book_lag_at_first_read: number;
  per_symbol: Record<string, SymbolResult>;
  equity_curve: [number, number][];
}

export function readFills(tradeLog: string): Fill[] {
  const fills: Fill[] = [];
  for (const line of readFileSync(tradeLog, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue; // a torn last line
    }
    if (typeof record['execution_id'] !== 'string') continue;
    fills.push({
      orderId: String(record['order_id']),
      symbol: String(record['symbol']),
      side: record['side'] === 'SELL' ? 'SELL' : 'BUY',
      quantity: Number(record['quantity']),
      price: Number(record['execution_price']),
      timestamp: Number(record['timestamp']),
      bookSequence: Number(record['book_sequence'] ?? 0),
    });
  }
  return fills;
}

function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

function round(value: number, digits = 6): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

export function buildReport(input: { fills: Fill[]; market: MarketSeries; seconds: number; orders: number; bookLagAtFirstRead: number }): BacktestReport {
  const { fills, market } = input;
  const state = new Map<string, { position: number; cost: number; realized: number; fills: number; volume: number; notional: number; mark: number }>();
  for (const symbol of market.symbols) {
    const mids = market.mids.get(symbol)?.mids ?? [];
    state.set(symbol, { position: 0, cost: 0, realized: 0, fills: 0, volume: 0, notional: 0, mark: (mids[0] ?? 0) / PRICE_SCALE });
  }
  const firstTime = Math.min(...market.symbols.map((s) => market.mids.get(s)?.times[0] ?? Number.POSITIVE_INFINITY));
  const lastTime = Math.max(...market.symbols.map((s) => market.mids.get(s)?.times.at(-1) ?? 0));
  const equity: [number, number][] = [[Number.isFinite(firstTime) ? firstTime : 0, 0]];
  let closing = 0;
  let wins = 0;
  const equityNow = (): number => {
    let total = 0;
    for (const s of state.values()) total += s.realized + s.position * (s.mark - s.cost);
    return total;
  };
  for (const fill of fills) {
    let s = state.get(fill.symbol);
    if (s === undefined) {
      s = { position: 0, cost: 0, realized: 0, fills: 0, volume: 0, notional: 0, mark: fill.price };
      state.set(fill.symbol, s);
    }
    const signed = fill.side === 'BUY' ? fill.quantity : -fill.quantity;
    s.fills += 1;
    s.volume += fill.quantity;
    s.notional += fill.quantity * fill.price;
    if (s.position === 0 || Math.sign(s.position) === Math.sign(signed)) {
      s.cost = (s.cost * Math.abs(s.position) + fill.price * fill.quantity) / (Math.abs(s.position) + fill.quantity);
      s.position += signed;
    } else {
      const closed = Math.min(Math.abs(s.position), fill.quantity);
      const pnl = closed * (fill.price - s.cost) * Math.sign(s.position);
      s.realized += pnl;
      closing += 1;
      if (pnl > 0) wins += 1;
      const remaining = fill.quantity - closed;
      s.position += signed;
      if (s.position === 0) s.cost = 0;
      else if (remaining > 0) s.cost = fill.price; // flipped: the rest opened at this price
    }
    const mid = market.midBySequence.get(fill.bookSequence);
    if (mid !== undefined) s.mark = mid / PRICE_SCALE;
    equity.push([fill.timestamp, equityNow()]);
  }
  for (const [symbol, s] of state) {
    const mids = market.mids.get(symbol)?.mids;
    const last = mids?.[mids.length - 1];
    if (last !== undefined) s.mark = last / PRICE_SCALE;
  }
  equity.push([lastTime, equityNow()]);
  let peak = Number.NEGATIVE_INFINITY;
  let maxDrawdown = 0;
  for (const [, value] of equity) {
    peak = Math.max(peak, value);
    maxDrawdown = Math.max(maxDrawdown, peak - value);
  }
  const steps = equity.slice(1).map(([, value], i) => value - (equity[i]?.[1] ?? 0));
  const mean = steps.length > 0 ? steps.reduce((a, b) => a + b, 0) / steps.length : 0;
  const deviation = Math.sqrt(steps.length > 1 ? steps.reduce((a, b) => a + (b - mean) ** 2, 0) / (steps.length - 1) : 0);
  const downside = Math.sqrt(steps.length > 0 ? steps.reduce((a, b) => a + Math.min(0, b) ** 2, 0) / steps.length : 0);
  const perSymbol: Record<string, SymbolResult> = {};
  let realized = 0;
  let unrealized = 0;
  let volume = 0;
  let turnover = 0;
  for (const [symbol, s] of state) {
    const open = s.position * (s.mark - s.cost);
    realized += s.realized;
    unrealized += open;
    volume += s.volume;
    turnover += s.notional;
    perSymbol[symbol] = { fills: s.fills, volume: s.volume, notional: round(s.notional, 4), position: s.position, realized_pnl: round(s.realized, 4), unrealized_pnl: round(open, 4) };
  }
  return {
    ticks: market.ticks,
    ticks_per_s: input.seconds > 0 ? Math.round(market.ticks / input.seconds) : 0,
    seconds: round(input.seconds, 3),
    orders: input.orders,
    fills: fills.length,
    volume,
    realized_pnl: round(realized, 4),
    unrealized_pnl: round(unrealized, 4),
    total_pnl: round(realized + unrealized, 4),
    max_drawdown: round(maxDrawdown, 4),
    sharpe: deviation > 0 ? round(mean / deviation, 4) : 0,
    sortino: downside > 0 ? round(mean / downside, 4) : 0,
    turnover: round(turnover, 4),
    win_rate: closing > 0 ? round(wins / closing, 4) : 0,
    book_lag_at_first_read: input.bookLagAtFirstRead,
    per_symbol: perSymbol,
    equity_curve: equity.map(([time, value]) => [time, round(value, 4)]),
  };
}

export function formatReport(report: BacktestReport): string {
  const rows = [
    ['ticks', String(report.ticks)],
    ['ticks/s (whole multi-process run)', String(report.ticks_per_s)],
    ['orders', String(report.orders)],
    ['fills', String(report.fills)],
    ['volume, shares', String(report.volume)],
    ['turnover (notional)', report.turnover.toFixed(2)],
    ['realized PnL', report.realized_pnl.toFixed(2)],
    ['unrealized PnL (at the last mid)', report.unrealized_pnl.toFixed(2)],
    ['max drawdown', report.max_drawdown.toFixed(2)],
    ['Sharpe (per fill step)', report.sharpe.toFixed(3)],
    ['Sortino (per fill step)', report.sortino.toFixed(3)],
    ['win rate (closing fills)', `${(report.win_rate * 100).toFixed(1)} %`],
    ['ticks whose book lagged at first read', String(report.book_lag_at_first_read)],
  ];
  const symbolRows = Object.entries(report.per_symbol).map(([symbol, s]) => [
    symbol, String(s.fills), String(s.volume), String(s.position), s.realized_pnl.toFixed(2), s.unrealized_pnl.toFixed(2),
  ]);
  return [formatTable(['backtest', 'value'], rows), '', formatTable(['symbol', 'fills', 'volume', 'position', 'realized', 'unrealized'], symbolRows)].join('\n');
}

/** lightweight-charts' standalone build (defines the global LightweightCharts), to inline. */
function chartLibrary(): string {
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve('lightweight-charts/package.json');
  return readFileSync(packageJson.replace(/package\.json$/, 'dist/lightweight-charts.standalone.production.js'), 'utf8');
}

/** A JSON text safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

export function renderHtml(report: BacktestReport, fills: Fill[], market: MarketSeries, title: string): string {
  // chart times are whole seconds (UTCTimestamp); points of one second are thinned to the last
  const series: Record<string, { time: number; value: number }[]> = {};
  for (const symbol of market.symbols) {
    const data = market.mids.get(symbol);
    const points = new Map<number, number>();
    data?.times.forEach((time, i) => points.set(Math.floor(time), (data.mids[i] ?? 0) / PRICE_SCALE));
    series[symbol] = [...points].map(([time, value]) => ({ time, value }));
  }
  const equity = new Map<number, number>();
  for (const [time, value] of report.equity_curve) equity.set(Math.floor(time), value);
  const markers = fills.map((fill) => ({ symbol: fill.symbol, time: Math.floor(fill.timestamp), side: fill.side, price: fill.price, quantity: fill.quantity }));
  const escapedTitle = title.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const summary = formatReport(report).replace(/[&<>]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Backtest: ${escapedTitle}</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;background:#fafafa;color:#222}h1{font-size:18px}h2{font-size:15px;margin-top:24px}
.chart{height:280px;background:#fff;border:1px solid #ddd}pre{background:#fff;border:1px solid #ddd;padding:12px;overflow:auto}</style>
</head><body><h1>Backtest: ${escapedTitle}</h1>
<h2>Equity curve (realized + unrealized)</h2><div id="equity" class="chart"></div>
<div id="symbols"></div>
<h2>Summary</h2><pre>${summary}</pre>
<script>${chartLibrary()}</script>
<script>
const equity = ${scriptJson([...equity].map(([time, value]) => ({ time, value })))};
const series = ${scriptJson(series)};
const fills = ${scriptJson(markers)};
const LC = window.LightweightCharts;
function chart(element) { return LC.createChart(element, { autoSize: true, timeScale: { timeVisible: true, secondsVisible: true } }); }
chart(document.getElementById('equity')).addSeries(LC.LineSeries, { color: '#2962ff' }).setData(equity);
for (const [symbol, data] of Object.entries(series)) {
  const heading = document.createElement('h2');
  heading.textContent = symbol + ': mid, with the fills (▲ buy, ▼ sell)';
  const box = document.createElement('div');
  box.className = 'chart';
  document.getElementById('symbols').append(heading, box);
  const line = chart(box).addSeries(LC.LineSeries, { color: '#555' });
  line.setData(data);
  const marks = fills.filter((f) => f.symbol === symbol).map((f) => ({
    time: f.time, position: f.side === 'BUY' ? 'belowBar' : 'aboveBar', color: f.side === 'BUY' ? '#26a69a' : '#ef5350',
    shape: f.side === 'BUY' ? 'arrowUp' : 'arrowDown', text: f.side + ' ' + f.quantity + ' @ ' + f.price }));
  LC.createSeriesMarkers(line, marks);
}
</script></body></html>
`;
}
