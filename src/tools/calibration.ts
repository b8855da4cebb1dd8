/**
 * Calibration of the seed strategy against the market model, offline and deterministic:
 * the gateway's schedule (every symbol stepped `updatesPerSecond` times a wall second, one
 * news item every `newsIntervalSeconds`) is replayed on a simulated clock, the real
 * `SeedStrategy` runs in the real `StrategyEngine`, and its IOC orders are filled against
 * the model's book the way the order manager fills them (walk the levels up to the limit,
 * the rest cancelled). Nothing here opens a socket or maps shared memory, so an hour of
 * market is simulated in seconds.
 *
 * What it measures, to choose the defaults (see README.md, "Calibration"):
 * - the trade rate: orders, fills and shares per wall second;
 * - the edge: the mark-out of every fill, side × (mid h seconds later − fill price) / fill
 *   price in basis points, for a few horizons, with its standard error. A strategy whose
 *   sentiment rule carries information has a positive mark-out well beyond its standard
 *   error; noise trading has a mark-out near minus half the spread.
 * - the control: `invertSentiment` feeds the strategy the negated news scores, so it
 *   trades the same price moves against the news. If the edge comes from the news, the
 *   control's mark-out is negative.
 */
import { createL2Book, copyL2Book, type L2Book } from '../core/book.js';
import { MemoryBookSource } from '../core/memory-book-source.js';
import { createLogger } from '../core/log.js';
import { MarketModel, type MarketModelOptions } from '../market/index.js';
import type { MarketData, Message, NewsSentiment, Order } from '../protocol/messages.js';
import { MessageType, OrderType, Side } from '../protocol/messages.js';
import { iocReport } from '../protocol/ioc-report.js';
import { StrategyEngine } from '../strategy/engine.js';
import type { SeedStrategyConfig } from '../strategy/seed-strategy-config.js';
import { SeedStrategy } from '../strategy/seed-strategy.js';

export interface CalibrationOptions {
  /** Market model options, as the gateway would pass them (timeScale, news half-life, ...). */
  market?: MarketModelOptions;
  /** Seed strategy settings (defaults: the strategy's defaults). */
  strategy?: Partial<SeedStrategyConfig>;
  /** Simulated wall-clock seconds (default 600). */
  durationSeconds?: number;
  /** Mark-out horizons, wall seconds after the fill (default 1, 5, 10, 30). */
  markoutSeconds?: readonly number[];
  /** Trade the negated news scores (the control). Default false. */
  invertSentiment?: boolean;
  /** Window over which steadiness is judged, wall seconds (default 10). */
  steadinessWindowSeconds?: number;
}

export interface Markout {
  horizonSeconds: number;
  /** Fills whose horizon fell inside the run. */
  count: number;
  /** Mean of side × (mid later − fill price) / fill price, basis points, per fill. */
  meanBps: number;
  /** Standard error of that mean, basis points. */
  standardErrorBps: number;
}

export interface CalibrationResult {
  wallSeconds: number;
  ticks: number;
  news: number;
  buySignals: number;
  sellSignals: number;
  ordersSent: number;
  /** Orders that filled at least in part. */
  ordersFilled: number;
  sharesFilled: number;
  ordersPerSecond: number;
  tradesPerSecond: number;
  /**
   * Steadiness: trades per second in each window of `steadinessWindowSeconds`, at the
   * 10th, 50th and 90th percentile of the windows, and the share of windows without a trade.
   */
  tradesPerSecondP10: number;
  tradesPerSecondP50: number;
  tradesPerSecondP90: number;
  idleWindowShare: number;
  /** Signals dropped by the cooldown and by the position cap. */
  cooldownDrops: number;
  positionCapDrops: number;
  /** Half the average quoted spread at the fills, basis points (the cost of crossing it). */
  halfSpreadBps: number;
  markouts: Markout[];
  /** Realized + unrealized at the end (marked to mid), currency units. */
  totalPnl: number;
  /** Gross traded value, currency units. */
  tradedValue: number;
}

const NS_PER_SECOND = 1e9;
/** An arbitrary fixed start of the simulated clock (epoch seconds), so runs repeat bit for bit. */
const EPOCH_START_SECONDS = 1_700_000_000;

/** The order manager's IOC execution, reduced to what calibration needs. */
function fillAgainstBook(order: Order, book: L2Book): { quantity: number; notional: number } {
  let remaining = order.quantity;
  let notional = 0;
  const buying = order.side === Side.BUY;
  const count = buying ? book.askCount : book.bidCount;
  const prices = buying ? book.askPrices : book.bidPrices;
  const sizes = buying ? book.askSizes : book.bidSizes;
  for (let level = 0; level < count && remaining > 0; level++) {
    const price = prices[level];
    if (order.orderType === OrderType.LIMIT && (buying ? price > order.price : price < order.price)) break;
    const take = Math.min(remaining, sizes[level]);
    notional += take * price;
    remaining -= take;
  }
  return { quantity: order.quantity - remaining, notional };
}

function mid(book: L2Book): number {
  return (book.bidPrices[0] + book.askPrices[0]) / 2;
}

interface PendingMarkout {
  dueNs: number;
  symbolIndex: number;
  /** +1 buy, −1 sell. */
  sign: number;
  price: number;
}

/** Run the seed strategy against the market model on a simulated clock. */
export function runCalibration(options: CalibrationOptions = {}): CalibrationResult {
  const model = new MarketModel(options.market ?? {});
  const config = model.config;
  const durationSeconds = options.durationSeconds ?? 600;
  const horizons = options.markoutSeconds ?? [1, 5, 10, 30];
  const invert = options.invertSentiment === true;
  const windowSeconds = options.steadinessWindowSeconds ?? 10;
  const windowTrades = new Array<number>(Math.max(1, Math.floor(durationSeconds / windowSeconds))).fill(0);
  const symbolCount = model.symbolCount;
  const books: L2Book[] = [];
  const ticks: MarketData[] = [];
  for (let i = 0; i < symbolCount; i++) {
    books.push(createL2Book(config.bookDepth));
    ticks.push(model.createMarketData());
  }
  const news: NewsSentiment = model.createNewsSentiment();
  let nowNs = 0;

  // the strategy reads the books the ticks carried, as it would from the shared segment
  const bookSource = new MemoryBookSource();
  const outbox: Order[] = [];
  const strategy = new SeedStrategy(options.strategy ?? {});
  const engine = new StrategyEngine({
    strategy,
    books: bookSource,
    send: (message) => {
      if (message.type === MessageType.ORDER) outbox.push(message);
      return true;
    },
    sessionToken: 'calibration',
    nowNs: () => nowNs,
    epochSeconds: () => EPOCH_START_SECONDS + nowNs / NS_PER_SECOND,
    log: createLogger('calibration'),
  });
  engine.start();

  const pending: PendingMarkout[][] = horizons.map(() => []);
  const sums = horizons.map(() => ({ count: 0, sum: 0, sumSquares: 0 }));
  let ordersFilled = 0;
  let sharesFilled = 0;
  let tradedValue = 0;
  let halfSpreadSum = 0;
  let executions = 0;

  const execute = (order: Order): void => {
    const index = model.indexOf(order.symbol);
    const book = books[index];
    const fill = fillAgainstBook(order, book);
    const filled = fill.quantity;
    const averagePrice = filled > 0 ? fill.notional / filled : 0;
    const report = iocReport(order, `E${++executions}`, filled, averagePrice, EPOCH_START_SECONDS + nowNs / NS_PER_SECOND);
    if (filled > 0) {
      ordersFilled += 1;
      const window = Math.floor(nowNs / NS_PER_SECOND / windowSeconds);
      if (window < windowTrades.length) windowTrades[window] += 1;
      sharesFilled += filled;
      tradedValue += fill.notional;
      const midPrice = mid(book);
      halfSpreadSum += (book.askPrices[0] - book.bidPrices[0]) / 2 / midPrice;
      const sign = order.side === Side.BUY ? 1 : -1;
      for (let h = 0; h < horizons.length; h++) {
        pending[h].push({ dueNs: nowNs + horizons[h] * NS_PER_SECOND, symbolIndex: index, sign, price: averagePrice });
      }
    }
    engine.onExecutionReport(report);
  };

  const settleMarkouts = (): void => {
    for (let h = 0; h < horizons.length; h++) {
      const queue = pending[h];
      let done = 0;
      while (done < queue.length && queue[done].dueNs <= nowNs) {
        const entry = queue[done];
        const bps = (entry.sign * (mid(books[entry.symbolIndex]) - entry.price) / entry.price) * 10_000;
        sums[h].count += 1;
        sums[h].sum += bps;
        sums[h].sumSquares += bps * bps;
        done += 1;
      }
      if (done > 0) queue.splice(0, done);
    }
  };

  const deliver = (message: Message): void => {
    engine.onMessage(message);
    // The order manager answers after the strategy's turn: fill what the message caused.
    for (const order of outbox) execute(order);
    outbox.length = 0;
  };

  const tickIntervalNs = NS_PER_SECOND / config.updatesPerSecond;
  const newsIntervalNs = config.newsIntervalSeconds * NS_PER_SECOND;
  const endNs = durationSeconds * NS_PER_SECOND;
  const dtSeconds = 1 / config.updatesPerSecond;
  let nextNewsNs = newsIntervalNs;
  let tickCount = 0;
  let newsCount = 0;
  for (let tickNs = tickIntervalNs; tickNs <= endNs; tickNs += tickIntervalNs) {
    while (nextNewsNs <= tickNs) {
      nowNs = nextNewsNs;
      model.nextNews(news);
      news.timestamp = EPOCH_START_SECONDS + nowNs / NS_PER_SECOND;
      news.sentNs = nowNs;
      news.sequence = ++newsCount;
      if (invert) news.score = -news.score;
      deliver(news);
      nextNewsNs += newsIntervalNs;
    }
    nowNs = tickNs;
    for (let i = 0; i < symbolCount; i++) {
      const tick = ticks[i];
      model.step(i, dtSeconds, tick);
      tick.timestamp = EPOCH_START_SECONDS + nowNs / NS_PER_SECOND;
      tick.sequence = ++tickCount;
      tick.sentNs = nowNs;
      copyL2Book(tick, books[i]);
      bookSource.set(model.symbol(i), tick);
      deliver(tick);
    }
    settleMarkouts();
  }

  let unrealized = 0;
  for (let i = 0; i < symbolCount; i++) {
    unrealized += engine.tracker.unrealizedPnl(model.symbol(i), mid(books[i]));
  }
  const counters = strategy.counters;
  const windowRates = windowTrades.map((trades) => trades / windowSeconds).sort((a, b) => a - b);
  const ratePercentile = (p: number): number => windowRates[Math.min(windowRates.length - 1, Math.floor(p * windowRates.length))];
  return {
    wallSeconds: durationSeconds,
    ticks: tickCount,
    news: newsCount,
    buySignals: counters.buySignals,
    sellSignals: counters.sellSignals,
    ordersSent: counters.ordersSent,
    ordersFilled,
    sharesFilled,
    ordersPerSecond: counters.ordersSent / durationSeconds,
    tradesPerSecond: ordersFilled / durationSeconds,
    tradesPerSecondP10: ratePercentile(0.1),
    tradesPerSecondP50: ratePercentile(0.5),
    tradesPerSecondP90: ratePercentile(0.9),
    idleWindowShare: windowTrades.filter((trades) => trades === 0).length / windowTrades.length,
    cooldownDrops: counters.cooldown,
    positionCapDrops: counters.positionCap,
    halfSpreadBps: ordersFilled === 0 ? 0 : (halfSpreadSum / ordersFilled) * 10_000,
    markouts: horizons.map((horizonSeconds, h) => {
      const { count, sum, sumSquares } = sums[h];
      const mean = count === 0 ? 0 : sum / count;
      const variance = count < 2 ? 0 : (sumSquares - count * mean * mean) / (count - 1);
      return { horizonSeconds, count, meanBps: mean, standardErrorBps: count < 2 ? 0 : Math.sqrt(variance / count) };
    }),
    totalPnl: (engine.tracker.realizedPnl() + unrealized) / 10_000,
    tradedValue: tradedValue / 10_000,
  };
}
