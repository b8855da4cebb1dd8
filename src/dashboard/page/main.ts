/**
 * The dashboard page: one card per symbol (price line with our fills, L2 ladder), then
 * positions and PnL with the equity curve, health, rates and latency, executions, rejects
 * and news. Frames are applied as they come (histories into the charts) and the tables
 * are drawn at most once per animation frame, so a busy browser draws less, not later.
 */
import { unknownOrdersText, type DashboardState, type FillView, type FrameMessage, type NewsView, type RejectView } from '../wire.js';
import { DashboardConnection } from './connection.js';
import { byId, clock, el, fillRows, money, signClass } from './dom.js';
import { renderHistogram } from './histogram.js';
import { LadderView10 } from './ladder.js';
import { PriceChart, type LinePoint, type TradeMarker } from './price-chart.js';

interface SymbolCard {
  root: HTMLElement;
  chart: PriceChart;
  ladder: LadderView10;
  price: HTMLElement;
  status: HTMLElement;
}

const COLORS = ['#2962ff', '#f7a600', '#ab47bc', '#26c6da', '#ec407a', '#9ccc65', '#ff7043', '#8d6e63'];
const MAX_ROWS = 20;

const cards = new Map<string, SymbolCard>();
const fills: FillView[] = [];
const news: NewsView[] = [];
const rejects: RejectView[] = [];
let equity: PriceChart | undefined;
let state: DashboardState | undefined;
let drawPending = false;

function card(symbol: string): SymbolCard {
  let found = cards.get(symbol);
  if (found !== undefined) return found;
  const root = el('section', 'card symbol');
  root.dataset['symbol'] = symbol;
  const head = el('header');
  const price = el('span', 'price');
  const status = el('span', 'pill');
  head.append(el('h2', undefined, symbol), price, status);
  const body = el('div', 'symbol-body');
  const chartBox = el('div', 'chart');
  const ladderBox = el('div', 'ladder-box');
  body.append(chartBox, ladderBox);
  root.append(head, body);
  byId('symbols').append(root);
  const chart = new PriceChart(chartBox, { color: COLORS[cards.size % COLORS.length] });
  found = { root, chart, ladder: new LadderView10(ladderBox), price, status };
  cards.set(symbol, found);
  return found;
}

function keepLatest<T>(list: T[], items: readonly T[], max: number, reset: boolean): void {
  if (reset) list.length = 0;
  list.push(...items);
  if (list.length > max) list.splice(0, list.length - max);
}

function markers(items: readonly FillView[]): Map<string, TradeMarker[]> {
  const bySymbol = new Map<string, TradeMarker[]>();
  for (const fill of items) {
    const list = bySymbol.get(fill.symbol) ?? [];
    list.push({ time: fill.time, side: fill.side, quantity: fill.quantity, price: fill.price });
    bySymbol.set(fill.symbol, list);
  }
  return bySymbol;
}

function applyFrame(frame: FrameMessage): void {
  const next = frame.state;
  for (const symbol of next.symbols) card(symbol);
  const newMarkers = markers(frame.fills);
  if (frame.reset) {
    const bySymbol = new Map<string, LinePoint[]>();
    for (const point of frame.points) {
      const list = bySymbol.get(point.symbol) ?? [];
      list.push({ time: point.time, value: point.price });
      bySymbol.set(point.symbol, list);
    }
    for (const [symbol, entry] of cards) entry.chart.setHistory(bySymbol.get(symbol) ?? [], newMarkers.get(symbol) ?? []);
    equity?.setHistory(frame.equity.map((point) => ({ time: point.time, value: point.total })));
  } else {
    for (const point of frame.points) card(point.symbol).chart.append({ time: point.time, value: point.price });
    for (const [symbol, list] of newMarkers) card(symbol).chart.addTrades(list);
    for (const point of frame.equity) equity?.append({ time: point.time, value: point.total });
  }
  for (const point of next.current) card(point.symbol).chart.append({ time: point.time, value: point.price });
  if (next.equityNow !== null) equity?.append({ time: next.equityNow.time, value: next.equityNow.total });
  keepLatest(fills, frame.fills, MAX_ROWS, frame.reset);
  keepLatest(news, frame.news, MAX_ROWS, frame.reset);
  keepLatest(rejects, frame.rejects, MAX_ROWS, frame.reset);
  state = next;
  if (!drawPending) {
    drawPending = true;
    requestAnimationFrame(draw);
  }
}

function draw(): void {
  drawPending = false;
  const current = state;
  if (current === undefined) return;
  for (const ladder of current.ladders) {
    const entry = card(ladder.symbol);
    entry.ladder.render(ladder);
    const bid = ladder.bids[0]?.[0];
    const ask = ladder.asks[0]?.[0];
    entry.price.textContent = bid !== undefined && ask !== undefined ? `${bid.toFixed(2)} / ${ask.toFixed(2)}` : '—';
    entry.status.textContent = ladder.status;
    entry.status.className = `pill ${ladder.status}`;
    entry.root.dataset['points'] = String(entry.chart.points);
    entry.root.dataset['markers'] = String(entry.chart.markers);
  }
  drawTotals(current);
  fillRows(
    byId<HTMLTableSectionElement>('positions-body'),
    current.positions.map((p) => ({
      cells: [p.symbol, String(p.quantity), p.quantity === 0 ? '—' : p.averagePrice.toFixed(2), p.markPrice === null ? '—' : p.markPrice.toFixed(2), money(p.realized), money(p.unrealized), String(p.fills)],
      className: signClass(p.realized + p.unrealized),
      data: { symbol: p.symbol, quantity: String(p.quantity) },
    })),
  );
  fillRows(
    byId<HTMLTableSectionElement>('health-body'),
    current.components.map((c) => ({
      cells: [c.name, c.status, c.pid === null ? '—' : String(c.pid), String(c.restarts), c.cpuPercent === null ? '—' : `${c.cpuPercent.toFixed(1)} %`, c.rssMb === null ? '—' : `${c.rssMb} MB`],
      className: `status-${c.status}`,
      data: { component: c.name, status: c.status, pid: String(c.pid ?? '') },
    })),
  );
  drawLatency(current);
  fillRows(
    byId<HTMLTableSectionElement>('fills-body'),
    [...fills].reverse().map((f) => ({
      cells: [clock(f.time), f.symbol, f.side, String(f.quantity), f.price.toFixed(2), f.status, f.liquidity],
      className: f.side === 'BUY' ? 'buy' : 'sell',
    })),
  );
  fillRows(
    byId<HTMLTableSectionElement>('rejects-body'),
    [...rejects].reverse().map((r) => ({ cells: [clock(r.time), r.code, String(r.count)] })),
  );
  const codes = Object.entries(current.rejectsByCode).filter(([, count]) => count > 0);
  byId('rejects-total').textContent = codes.length === 0 ? 'none' : codes.map(([code, count]) => `${code} ${count}`).join(' · ');
  const unknown = byId('unknown-orders');
  unknown.textContent = unknownOrdersText(current.unknownOrders);
  unknown.className = unknown.textContent === 'none' || current.unknownOrders === null ? '' : 'down';
  const newsList = byId('news-list');
  const fragment = document.createDocumentFragment();
  for (const item of [...news].reverse()) {
    const li = el('li', item.sentiment);
    li.append(el('span', 'when', clock(item.time)), el('b', undefined, item.symbol), el('span', `score ${item.sentiment}`, `${item.sentiment} ${item.score.toFixed(2)}`), el('span', 'headline', item.headline));
    fragment.append(li);
  }
  newsList.replaceChildren(fragment);
}

function drawTotals(current: DashboardState): void {
  const totals = current.totals;
  const total = byId('total-pnl');
  total.textContent = money(totals.total);
  total.className = signClass(totals.total);
  byId('realized-pnl').textContent = money(totals.realized);
  byId('unrealized-pnl').textContent = money(totals.unrealized);
  byId('gross-position').textContent = totals.grossPosition.toLocaleString('en-US');
  const fillsCount = byId('trade-log-fills');
  fillsCount.textContent = current.tradeLog.fills.toLocaleString('en-US');
  fillsCount.dataset['fills'] = String(current.tradeLog.fills);
  const rate = (value: number | null): string => (value === null ? '—' : value.toFixed(value < 10 ? 1 : 0));
  byId('ticks-rate').textContent = rate(current.rates.ticksPerS);
  byId('orders-rate').textContent = rate(current.rates.ordersPerS);
  byId('fills-rate').textContent = rate(current.rates.fillsPerS);
  byId('sources').textContent =
    `book ${current.sources.book} · gateway ${current.sources.gateway} · counters: ${current.sources.counters} · ` +
    `dashboard: ${current.server.browsers} browser${current.server.browsers === 1 ? '' : 's'}, ${current.server.framesSkipped.toLocaleString('en-US')} frames skipped`;
}

function drawLatency(current: DashboardState): void {
  const box = byId('latency');
  const fragment = document.createDocumentFragment();
  for (const latency of current.latency) {
    const item = el('div', 'latency');
    const us = (value: number | null): string => (value === null ? '—' : value >= 1000 ? `${(value / 1000).toFixed(2)} ms` : `${Math.round(value)} µs`);
    item.append(el('h3', undefined, latency.name === 'tick_to_trade' ? 'tick-to-trade' : 'order-to-ack'), el('div', 'figures', `p50 ${us(latency.p50Us)} · p99 ${us(latency.p99Us)} · n ${latency.count.toLocaleString('en-US')}`));
    const histogram = el('div', 'histogram');
    renderHistogram(histogram, latency.histogram);
    item.append(histogram);
    fragment.append(item);
  }
  box.replaceChildren(fragment);
}

function setStatus(status: string, detail: string): void {
  const pill = byId('connection');
  pill.textContent = detail === '' ? status : `${status}: ${detail}`;
  pill.className = `pill ${status}`;
  document.body.dataset['connection'] = status;
}

function main(): void {
  equity = new PriceChart(byId('equity-chart'), { color: '#9ccc65' });
  const connection = new DashboardConnection({
    onFrame: (frame) => {
      applyFrame(frame);
      document.body.dataset['frames'] = String(connection.frames);
    },
    onStatus: setStatus,
  });
  connection.start();
}

main();
