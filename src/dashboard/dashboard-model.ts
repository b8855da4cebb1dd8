/**
 * Everything the page shows, gathered on the dashboard's own timer and never on the trading
 * path: the shared book (ladders and the price line, read like any reader, without
 * blocking the writer), the trade log (fills, positions), the gateway's news and the
 * components' counters. `sample()` brings the state up to date and puts what is new into the
 * bounded histories; the broadcaster turns both into frames.
 */
import { createL2Book, type L2Book } from '../core/book.js';
import { monotonicMs } from '../core/clock.js';
import { fromPriceUnits, toPriceUnits } from '../core/fixed-point.js';
import type { Logger } from '../core/log.js';
import type { TlsMaterial } from '../net/tls-options.js';
import { SIDE_NAMES } from '../protocol/messages.js';
import { LiveBook } from '../shm/live-book.js';
import { HealthTracker, type HealthSource, type HealthView } from './health.js';
import { NewsFeed } from './news-feed.js';
import { SeqCounter, SeqRing } from './seq-ring.js';
import { TradeLogTail, type TailPoll } from './trade-log-tail.js';
import type { BookStatus, ChartPoint, DashboardState, EquityPoint, FillView, LadderView, NewsView, PositionView, RejectView } from './wire.js';

export interface HistoryLimits {
  /** Seconds of price line kept per symbol (default 600: the last ten minutes). */
  chartSeconds: number;
  fills: number;
  equitySeconds: number;
  news: number;
  rejects: number;
}

/** Time one sample may spend reading a long trade log, ms. */
const TAIL_BUDGET_MS = 8;
/** How often the components' counters are read, ms. */
const HEALTH_INTERVAL_MS = 500;

export const DEFAULT_HISTORY: HistoryLimits = { chartSeconds: 600, fills: 500, equitySeconds: 600, news: 50, rejects: 100 };

export interface DashboardModelOptions {
  shm: string;
  tradeLog: string;
  /** Symbols to show before the book segment says which it has. */
  symbols?: readonly string[];
  /** Gateway for the news; undefined = no news. */
  gateway?: { host: string; port: number; authToken?: string | undefined; tls?: TlsMaterial | undefined };
  health?: HealthSource;
  history?: Partial<HistoryLimits>;
  log: Logger;
}

interface OpenPoint {
  time: number;
  price: number;
}

export class DashboardModel {
  readonly counter = new SeqCounter();
  readonly points: SeqRing<ChartPoint>;
  readonly fills: SeqRing<FillView>;
  readonly equity: SeqRing<EquityPoint>;
  readonly news: SeqRing<NewsView>;
  readonly rejects: SeqRing<RejectView>;
  /** The server's own figures, shown on the page (set by the server). */
  serverStats: DashboardState['server'] = { browsers: 0, framesSent: 0, framesSkipped: 0, bytesSent: 0 };
  /** Bumped by every sample that changed anything the page shows. */
  version = 0;
  state: DashboardState;

  readonly #options: DashboardModelOptions;
  readonly #book: LiveBook;
  readonly #tail: TradeLogTail;
  readonly #newsFeed: NewsFeed | undefined;
  readonly #health = new HealthTracker();
  readonly #scratch: L2Book = createL2Book(32);
  readonly #open = new Map<string, OpenPoint>();
  readonly #mids = new Map<string, number>();
  #equityOpen: EquityPoint | undefined;
  #healthView: HealthView | undefined;
  #healthAtMs = 0;

  constructor(options: DashboardModelOptions) {
    this.#options = options;
    const limits = { ...DEFAULT_HISTORY, ...options.history };
    const symbolCount = Math.max(1, options.symbols?.length ?? 5);
    this.points = new SeqRing(limits.chartSeconds * Math.min(symbolCount, 64), this.counter);
    this.fills = new SeqRing(limits.fills, this.counter);
    this.equity = new SeqRing(limits.equitySeconds, this.counter);
    this.news = new SeqRing(limits.news, this.counter);
    this.rejects = new SeqRing(limits.rejects, this.counter);
    this.#book = new LiveBook({ name: options.shm, checkIntervalMs: 100, maxAgeMs: 1_000, log: options.log.child('book') });
    this.#tail = new TradeLogTail(options.tradeLog);
    if (options.gateway !== undefined) {
      this.#newsFeed = new NewsFeed({ ...options.gateway, log: options.log.child('news'), onNews: (news) => this.#onNews(news) });
      this.#newsFeed.start();
    }
    this.state = this.#emptyState();
  }

  /** Bring everything up to date (the dashboard's timer calls this, 10 times a second). */
  sample(): void {
    const nowMs = Date.now();
    const epochS = nowMs / 1000;
    const second = Math.floor(epochS);
    const symbols = this.#book.symbols.length > 0 ? [...this.#book.symbols] : [...(this.#options.symbols ?? [])];
    const ladders: LadderView[] = [];
    const current: ChartPoint[] = [];
    for (const symbol of symbols) {
      const ladder = this.#readLadder(symbol);
      ladders.push(ladder);
      const mid = ladder.bids.length > 0 && ladder.asks.length > 0 ? ((ladder.bids[0]?.[0] ?? 0) + (ladder.asks[0]?.[0] ?? 0)) / 2 : Number.NaN;
      if (!Number.isFinite(mid) || ladder.status === 'unknown') continue;
      this.#mids.set(symbol, mid);
      const open = this.#open.get(symbol);
      if (open !== undefined && open.time < second) this.points.push({ symbol, time: open.time, price: open.price });
      if (open === undefined || open.time < second) this.#open.set(symbol, { time: second, price: mid });
      else open.price = mid;
      current.push({ symbol, time: second, price: mid });
    }

    // a long log (a dashboard started late) is caught up a few chunks per sample
    const pollStartMs = monotonicMs();
    let poll = this.#tail.poll();
    this.#applyFills(poll);
    while (poll.more && monotonicMs() - pollStartMs < TAIL_BUDGET_MS) {
      poll = this.#tail.poll();
      this.#applyFills(poll);
    }
    const snapshot = this.#tail.positions.snapshot((symbol) => {
      const mid = this.#mids.get(symbol);
      return mid === undefined ? Number.NaN : toPriceUnits(mid);
    });
    const positions: PositionView[] = snapshot.positions.map((p) => ({
      symbol: p.symbol,
      quantity: p.netQuantity,
      averagePrice: fromPriceUnits(p.averagePrice),
      markPrice: Number.isFinite(p.markPrice) ? fromPriceUnits(p.markPrice) : null,
      realized: fromPriceUnits(p.realizedPnl),
      unrealized: fromPriceUnits(p.unrealizedPnl),
      fills: p.fills,
    }));
    const totals = {
      realized: fromPriceUnits(snapshot.realizedPnl),
      unrealized: fromPriceUnits(snapshot.unrealizedPnl),
      total: fromPriceUnits(snapshot.totalPnl),
      grossPosition: positions.reduce((sum, p) => sum + Math.abs(p.quantity), 0),
    };
    if (this.#equityOpen !== undefined && this.#equityOpen.time < second) this.equity.push(this.#equityOpen);
    if (this.#equityOpen === undefined || this.#equityOpen.time < second) this.#equityOpen = { time: second, total: 0, realized: 0, unrealized: 0 };
    this.#equityOpen.total = totals.total;
    this.#equityOpen.realized = totals.realized;
    this.#equityOpen.unrealized = totals.unrealized;

    // the counters are published about once a second, and reading them maps segments: once a second is enough
    const nowMono = monotonicMs();
    if (this.#healthView === undefined || nowMono - this.#healthAtMs >= HEALTH_INTERVAL_MS) {
      this.#healthAtMs = nowMono;
      const samples = this.#options.health?.sample() ?? [];
      this.#healthView = this.#health.update(samples, nowMono, epochS, (reject) => this.rejects.push(reject));
    }
    const health = this.#healthView;
    this.state = {
      nowMs,
      symbols,
      ladders,
      current,
      positions,
      totals,
      tradeLog: { fills: this.#tail.fillCount, corruptLines: this.#tail.corruptLines },
      components: health.components,
      rates: health.rates,
      latency: health.latency,
      rejectsByCode: health.rejectsByCode,
      unknownOrders: health.unknownOrders,
      equityNow: { ...this.#equityOpen },
      sources: {
        book: this.#book.attached ? 'attached' : 'waiting',
        gateway: this.#newsFeed?.connected === true ? 'connected' : 'waiting',
        counters: this.#options.health?.label ?? 'none',
      },
      server: { ...this.serverStats },
    };
    this.version += 1;
  }

  async close(): Promise<void> {
    this.#book.close();
    await this.#newsFeed?.close();
  }

  #applyFills(poll: TailPoll): void {
    if (poll.reset) {
      this.fills.clear();
      this.equity.clear();
      this.#equityOpen = undefined;
    }
    for (const fill of poll.fills) {
      this.fills.push({
        executionId: fill.executionId,
        orderId: fill.orderId,
        symbol: fill.symbol,
        side: SIDE_NAMES[fill.side],
        quantity: fill.quantity,
        price: fromPriceUnits(fill.executionPrice),
        time: fill.timestamp,
        status: fill.status,
        liquidity: fill.liquidity,
      });
    }
  }

  #onNews(news: NewsView): void {
    this.news.push(news);
    this.version += 1;
  }

  #readLadder(symbol: string): LadderView {
    const book = this.#scratch;
    const status: BookStatus = this.#book.read(symbol, book);
    const ladder: LadderView = { symbol, status, bids: [], asks: [], last: 0, sequence: 0 };
    if (status === 'unknown') return ladder;
    for (let i = 0; i < book.bidCount; i++) ladder.bids.push([fromPriceUnits(book.bidPrices[i] ?? 0), book.bidSizes[i] ?? 0]);
    for (let i = 0; i < book.askCount; i++) ladder.asks.push([fromPriceUnits(book.askPrices[i] ?? 0), book.askSizes[i] ?? 0]);
    ladder.last = fromPriceUnits(book.lastPrice);
    ladder.sequence = book.sequence;
    return ladder;
  }

  #emptyState(): DashboardState {
    return {
      nowMs: Date.now(),
      symbols: [...(this.#options.symbols ?? [])],
      ladders: [],
      current: [],
      positions: [],
      totals: { realized: 0, unrealized: 0, total: 0, grossPosition: 0 },
      tradeLog: { fills: 0, corruptLines: 0 },
      components: [],
      rates: { ticksPerS: null, ordersPerS: null, fillsPerS: null },
      latency: [],
      rejectsByCode: {},
      unknownOrders: null,
      equityNow: null,
      sources: { book: 'waiting', gateway: 'waiting', counters: this.#options.health?.label ?? 'none' },
      server: { ...this.serverStats },
    };
  }
}
