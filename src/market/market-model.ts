/**
 * The seeded market model: per symbol a mid price, an L2 book, trades and news, as pure
 * logic. It has no clock and no timers: the driver (the gateway) calls `step` with the
 * wall-clock time since that symbol's last update and `nextNews` when news is due, and
 * stamps `timestamp`, `sequence` and `sentNs` itself when it sends. The same seed, options
 * and call sequence (symbol indexes and dts) give the same stream, bit for bit.
 *
 * ## Time
 * The model runs on a market clock: `step(i, dtSeconds)` advances symbol i by
 * dtSeconds × timeScale market seconds. timeScale 1 (default) is real time; a larger one
 * lets a demo market move more per wall-clock tick without changing any other parameter.
 * Volatility and drift are annualised over a trading year of market time
 * (SECONDS_PER_TRADING_YEAR = 252 days × 6.5 h); the market clock runs continuously.
 *
 * ## Mid price: geometric Brownian motion
 * ln(mid) += (μ − σ²/2)·Δt + newsDrift·Δt + σ·√Δt·Z, Z ~ N(0,1), Δt in market years for
 * μ and σ (annualDrift, annualVolatility). The exact solution is used, so any Δt is
 * correct, including a large one after the driver stalled. The mid is kept in continuous
 * log space and only the quote is on the tick grid, so rounding never biases the walk.
 *
 * Per-update moves with the defaults (10 updates/s, timeScale 1): one update is 0.1
 * market s, so σ per update = σ_annual·√(0.1 / 5 896 800) = σ_annual × 1.30e-4: 0.0033 %
 * for AAPL (σ 0.25) up to 0.0078 % for TSLA (σ 0.6), under one cent, although the quote
 * changes by a tick on 50-80 % of updates. σ per update grows as √timeScale: at
 * timeScale 3600 (a market hour per wall second) it is 0.20 % for AAPL and 0.47 % for
 * TSLA, and a mid move beyond 0.5 % (the seed strategy's threshold) happens on about 1 %
 * of AAPL's updates and 29 % of TSLA's. `perUpdateVolatility(i)` gives the figure for any
 * configuration.
 *
 * ## Quote and spread
 * The spread is an integer number of ticks in [minSpreadTicks, maxSpreadTicks] that widens
 * by one tick with probability 5 % and narrows by one with probability 30 % per update, so
 * it sits mostly at the minimum. The best bid is the tick nearest mid − spread/2 (never
 * below one tick) and the best ask is best bid + spread: bid < ask always, spread ≥ 1 tick.
 *
 * ## Book: N contiguous levels per side whose sizes persist
 * Bid level j is at bestBid − j ticks, ask level j at bestAsk + j ticks (every tick
 * populated, as in a liquid large cap), so depth is strictly monotone by construction. A
 * level's size belongs to its price, not its index: when the best bid moves up k ticks,
 * every bid keeps its size and moves k places deeper, and only the k new top levels are
 * drawn; when it moves down, the top k levels are gone (traded or cancelled) and k new
 * ones appear at the deep end. Asks mirror this. Sizes follow a mean-reverting process in
 * log space: on each update `levelsChangedPerUpdate` levels per side, picked at random,
 * take one step x ← x + θ(m_j − x) + s·Z (θ = sizeReversion, s = sizeVolatility), whose
 * stationary law is N(m_j, s²/(θ(2−θ))); m_j is set so that the mean size at level j is
 * meanLevelSize × (1 + depthSizeGrowth·j). New levels are drawn from that stationary law.
 * Sizes are whole shares, at least 1.
 *
 * ## Trades
 * An update carries a trade with probability tradeProbability. It is a buy (at the best
 * ask) with probability 65 % when the quote just moved up, 35 % when it moved down, 50 %
 * otherwise; a sell trades at the best bid. Its size is lognormal (log-space standard
 * deviation 1, heavy-tailed like real prints) with mean meanTradeSize, at least 1 share;
 * it takes that many shares from the touched level (at least 1 share stays) and adds to
 * the cumulative volume. lastPrice starts at the start price, as a previous close.
 *
 * ## News
 * `nextNews` picks a symbol uniformly, a score uniform in [−1, 1] (4 decimals), a
 * sentiment from it (|score| < 0.2 is neutral) and a headline. The news adds a drift to the
 * symbol's log price that decays exponentially with half-life newsHalfLifeSeconds (market
 * time) and whose integral over its whole life is score × newsImpact: a score-1 item moves
 * the price up by newsImpact (0.5 %) in expectation, half of it within one half-life. With
 * the defaults that is a real edge: the expected move over one half-life (30 s) after a
 * score-1 item is 0.25 %, against a noise of σ·√30 s ≈ 0.06 % for AAPL. Drifts of several
 * news items on one symbol add up. The half-life is market time like everything else: at
 * timeScale T it lasts newsHalfLifeSeconds / T wall seconds, so a faster market wants a
 * longer half-life if news is to play out over several updates rather than one.
 */
import { ErrorCode, TradingError } from '../core/errors.js';
import type { MarketData, NewsSentiment } from '../protocol/messages.js';
import { MessageType, Sentiment } from '../protocol/messages.js';
import { createL2Book } from '../core/book.js';
import { PRICE_SCALE } from '../core/fixed-point.js';
import { headlinesFor } from './headlines.js';
import type { SymbolHeadlines } from './headlines.js';
import { resolveMarketOptions } from './market-options.js';
import type { MarketModelConfig, MarketModelOptions } from './market-options.js';
import { SeededRandom } from './seeded-random.js';

/** Market seconds in a trading year: 252 days of 6.5 hours. */
export const SECONDS_PER_TRADING_YEAR = 252 * 6.5 * 3600;
/** |score| below this is neutral news. */
export const NEUTRAL_SCORE_BAND = 0.2;

const SPREAD_WIDEN_PROBABILITY = 0.05;
const SPREAD_NARROW_PROBABILITY = 0.3;
/** Probability that a trade goes the way the quote just moved (buyers lift a rising ask). */
const TRADE_WITH_MOVE_PROBABILITY = 0.65;
/** Standard deviation of log trade sizes. */
const TRADE_SIZE_LOG_STD = 1;
/** Highest mid the walk may reach: a billion currency units. */
const LOG_MAX_PRICE_UNITS = Math.log(1e9 * PRICE_SCALE);
/** Variates drawn per refill of a symbol's blocks. */
const VARIATE_BLOCK = 256;
/** Stream number of the news generator; symbol i uses stream i. */
const NEWS_STREAM = 0x4e455753;

/** Standard deviation of one update's log-return for a volatility and a market time step. */
export function stepLogVolatility(annualVolatility: number, marketDtSeconds: number): number {
  return annualVolatility * Math.sqrt(marketDtSeconds / SECONDS_PER_TRADING_YEAR);
}

export class MarketModel {
  readonly config: MarketModelConfig;
  readonly symbolCount: number;
  readonly #depth: number;
  readonly #tickUnits: number;
  readonly #symbols: readonly string[];
  readonly #symbolIndex: ReadonlyMap<string, number>;
  readonly #headlines: readonly SymbolHeadlines[];
  readonly #symbolRandom: readonly SeededRandom[];
  // Symbol i's variates, drawn a block at a time from its generator: [i·B, (i+1)·B).
  // The hot path reads them by index (see #normalAt) so no call ever returns a double.
  readonly #normals: Float64Array;
  readonly #uniforms: Float64Array;
  /** Next unread offset in each symbol's blocks; VARIATE_BLOCK = used up. */
  readonly #normalCursors: Int32Array;
  readonly #uniformCursors: Int32Array;
  readonly #newsRandom: SeededRandom;

  // Per-symbol state, struct-of-arrays: doubles in typed arrays are never boxed.
  /** σ per √(market second). */
  readonly #volatilityPerRootSecond: Float64Array;
  /** (μ − σ²/2) per market second. */
  readonly #logDriftPerSecond: Float64Array;
  /** Current news drift, log-return per market second. */
  readonly #newsDrift: Float64Array;
  readonly #logMid: Float64Array;
  readonly #spreadTicks: Float64Array;
  /** Best bid in ticks (price units / tickUnits). */
  readonly #bestBidTicks: Float64Array;
  readonly #lastPrice: Float64Array;
  readonly #volume: Float64Array;
  // Per-level state, symbol i's levels at [i·depth, (i+1)·depth), best first.
  readonly #bidLogSizes: Float64Array;
  readonly #askLogSizes: Float64Array;
  readonly #bidSizes: Float64Array;
  readonly #askSizes: Float64Array;
  /** Stationary mean of the log size, per level index. */
  readonly #levelLogMean: Float64Array;
  readonly #stationaryLogStd: number;
  readonly #newsDecayRate: number;
  /** Log-space mean of trade sizes, so that their mean is meanTradeSize. */
  readonly #tradeLogMean: number;
  /** The current step's market-time Δt, seconds (a typed array keeps it unboxed). */
  readonly #marketDt = new Float64Array(1);

  /** @throws TradingError E_CONFIG_INVALID listing every invalid option. */
  constructor(options: MarketModelOptions = {}) {
    const config = resolveMarketOptions(options);
    this.config = config;
    const count = config.symbols.length;
    const depth = config.bookDepth;
    this.symbolCount = count;
    this.#depth = depth;
    this.#tickUnits = config.tickUnits;
    this.#symbols = config.symbols.map((s) => s.symbol);
    this.#symbolIndex = new Map(this.#symbols.map((symbol, index) => [symbol, index]));
    this.#headlines = this.#symbols.map(headlinesFor);
    this.#symbolRandom = this.#symbols.map((_, index) => new SeededRandom(config.seed, index));
    this.#newsRandom = new SeededRandom(config.seed, NEWS_STREAM);
    this.#normals = new Float64Array(count * VARIATE_BLOCK);
    this.#uniforms = new Float64Array(count * VARIATE_BLOCK);
    this.#normalCursors = new Int32Array(count).fill(VARIATE_BLOCK);
    this.#uniformCursors = new Int32Array(count).fill(VARIATE_BLOCK);

    this.#volatilityPerRootSecond = new Float64Array(count);
    this.#logDriftPerSecond = new Float64Array(count);
    this.#newsDrift = new Float64Array(count);
    this.#logMid = new Float64Array(count);
    this.#spreadTicks = new Float64Array(count);
    this.#bestBidTicks = new Float64Array(count);
    this.#lastPrice = new Float64Array(count);
    this.#volume = new Float64Array(count);
    this.#bidLogSizes = new Float64Array(count * depth);
    this.#askLogSizes = new Float64Array(count * depth);
    this.#bidSizes = new Float64Array(count * depth);
    this.#askSizes = new Float64Array(count * depth);
    this.#newsDecayRate = Math.LN2 / config.newsHalfLifeSeconds;
    this.#tradeLogMean = Math.log(config.meanTradeSize) - (TRADE_SIZE_LOG_STD * TRADE_SIZE_LOG_STD) / 2;

    const reversion = config.sizeReversion;
    const variance = reversion > 0 ? (config.sizeVolatility * config.sizeVolatility) / (reversion * (2 - reversion)) : 0;
    this.#stationaryLogStd = Math.sqrt(variance);
    this.#levelLogMean = new Float64Array(depth);
    for (let j = 0; j < depth; j++) {
      // E[exp(X)] = exp(m + v/2) for X ~ N(m, v): shift so the mean size is the target.
      this.#levelLogMean[j] = Math.log(config.meanLevelSize * (1 + config.depthSizeGrowth * j)) - variance / 2;
    }

    for (let i = 0; i < count; i++) {
      const spec = config.symbols[i];
      const sigma = spec.annualVolatility / Math.sqrt(SECONDS_PER_TRADING_YEAR);
      this.#volatilityPerRootSecond[i] = sigma;
      this.#logDriftPerSecond[i] = spec.annualDrift / SECONDS_PER_TRADING_YEAR - (sigma * sigma) / 2;
      this.#logMid[i] = Math.log(spec.startPriceUnits);
      this.#spreadTicks[i] = config.minSpreadTicks;
      this.#requote(i);
      this.#lastPrice[i] = spec.startPriceUnits;
      for (let j = 0; j < depth; j++) {
        this.#drawFreshLevel(this.#bidLogSizes, this.#bidSizes, i, j);
        this.#drawFreshLevel(this.#askLogSizes, this.#askSizes, i, j);
      }
    }
  }

  /** Symbol name of an index (0..symbolCount-1). */
  symbol(symbolIndex: number): string {
    this.#checkIndex(symbolIndex);
    return this.#symbols[symbolIndex];
  }

  /** Index of a symbol name, or -1. */
  indexOf(symbol: string): number {
    return this.#symbolIndex.get(symbol) ?? -1;
  }

  /** A MarketData with room for the configured depth, for `step` to fill again and again. */
  createMarketData(): MarketData {
    const book = createL2Book(this.#depth);
    return {
      type: MessageType.MARKET_DATA,
      symbol: '',
      bidCount: 0,
      askCount: 0,
      bidPrices: book.bidPrices,
      bidSizes: book.bidSizes,
      askPrices: book.askPrices,
      askSizes: book.askSizes,
      lastPrice: 0,
      volume: 0,
      timestamp: 0,
      sequence: 0,
      sentNs: 0,
    };
  }

  /** A NewsSentiment for `nextNews` to fill again and again. */
  createNewsSentiment(): NewsSentiment {
    return { type: MessageType.NEWS_SENTIMENT, symbol: '', timestamp: 0, sentiment: Sentiment.NEUTRAL, score: 0, headline: '', sequence: 0, sentNs: 0 };
  }

  /**
   * Standard deviation of one update's log-return of symbol i's mid at the configured
   * updatesPerSecond and timeScale (news drift aside). Compare it with a strategy's
   * per-tick threshold: a move beyond k of these happens on about 2·(1 − Φ(k)) of updates.
   */
  perUpdateVolatility(symbolIndex: number): number {
    this.#checkIndex(symbolIndex);
    return stepLogVolatility(this.config.symbols[symbolIndex].annualVolatility, this.config.timeScale / this.config.updatesPerSecond);
  }

  /** Symbol i's current news drift, log-return per market second (0 when no news is live). */
  newsDriftPerSecond(symbolIndex: number): number {
    this.#checkIndex(symbolIndex);
    return this.#newsDrift[symbolIndex];
  }

  /**
   * Advance symbol i by dtSeconds of wall-clock time (× timeScale on the market clock) and
   * write its update into `out`: type, symbol, book levels (as many as `out` has room
   * for), lastPrice, volume. timestamp, sequence and sentNs are the sender's and are left
   * alone. Allocates nothing.
   * @throws RangeError for an index out of range or a negative or non-finite dt (bugs in
   *   the caller, not market conditions).
   */
  step(symbolIndex: number, dtSeconds: number, out: MarketData): void {
    this.#checkIndex(symbolIndex);
    if (!(dtSeconds >= 0 && dtSeconds < Number.POSITIVE_INFINITY)) {
      throw new TradingError(ErrorCode.INTERNAL, `dtSeconds must be a finite number ≥ 0, got ${dtSeconds}`);
    }
    // The steps below are separate methods that take and return only small integers
    // and pass doubles through typed arrays: whether or not V8 inlines them, no double
    // crosses a call, so none is boxed and a step allocates nothing.
    const i = symbolIndex;
    this.#marketDt[0] = dtSeconds * this.config.timeScale;
    const oldBid = this.#bestBidTicks[i];
    const oldAsk = oldBid + this.#spreadTicks[i];
    this.#advanceMid(i);
    this.#evolveSpread(i);
    this.#requote(i);
    const newBid = this.#bestBidTicks[i];
    const newAsk = newBid + this.#spreadTicks[i];
    // Clamped to ±depth (a bigger move redraws the side anyway) so `| 0` cannot wrap.
    const depth = this.#depth;
    this.#shiftLevels(this.#bidLogSizes, this.#bidSizes, i, Math.min(depth, Math.max(-depth, newBid - oldBid)) | 0);
    this.#shiftLevels(this.#askLogSizes, this.#askSizes, i, Math.min(depth, Math.max(-depth, oldAsk - newAsk)) | 0);
    for (let n = this.config.levelsChangedPerUpdate; n > 0; n--) this.#perturbLevels(i);
    this.#maybeTrade(i, Math.sign(newBid + newAsk - oldBid - oldAsk) | 0);
    this.#write(i, out);
  }

  /**
   * Draw the next news item into `out` (type, symbol, sentiment, score, headline; the
   * sender stamps timestamp, sequence and sentNs) and let it move its symbol's drift.
   * @returns the index of the symbol the news is about.
   */
  nextNews(out: NewsSentiment): number {
    const random = this.#newsRandom;
    const i = random.nextInt(this.symbolCount);
    const score = Math.round((random.nextFloat() * 2 - 1) * 10_000) / 10_000;
    const sentiment = score >= NEUTRAL_SCORE_BAND ? Sentiment.POSITIVE : score <= -NEUTRAL_SCORE_BAND ? Sentiment.NEGATIVE : Sentiment.NEUTRAL;
    const headlines = this.#headlines[i][sentiment];
    out.type = MessageType.NEWS_SENTIMENT;
    out.symbol = this.#symbols[i];
    out.sentiment = sentiment;
    out.score = score;
    out.headline = headlines[random.nextInt(headlines.length)];
    // Initial rate D with ∫ D·e^(−kt) dt = D/k = score × newsImpact.
    this.#newsDrift[i] += score * this.config.newsImpact * this.#newsDecayRate;
    return i;
  }

  #checkIndex(symbolIndex: number): void {
    // `>>> 0` maps anything but a non-negative int32 to a different value (cheaper than isInteger).
    if (symbolIndex >>> 0 !== symbolIndex || symbolIndex >= this.symbolCount) {
      throw new TradingError(ErrorCode.INTERNAL, `symbol index must be an integer in 0..${this.symbolCount - 1}, got ${symbolIndex}`);
    }
  }

  /**
   * Set symbol i's best bid (ticks) from its mid and spread: the tick nearest to
   * mid − spread/2, at least 1. Returns nothing on purpose: a double returned from a call
   * V8 does not inline is boxed, i.e. allocated.
   */
  #requote(i: number): void {
    const midTicks = Math.exp(this.#logMid[i]) / this.#tickUnits;
    this.#bestBidTicks[i] = Math.max(1, Math.round(midTicks - this.#spreadTicks[i] / 2));
  }

  /**
   * Keep each level of one side at its price while the best price of that side moves:
   * old level j becomes level j + deeper (deeper < 0: toward the touch). Levels pushed
   * past either end are dropped and the places left empty are drawn fresh.
   */
  #shiftLevels(logSizes: Float64Array, sizes: Float64Array, i: number, deeper: number): void {
    if (deeper === 0) return;
    const depth = this.#depth;
    const base = i * depth;
    if (deeper >= depth || deeper <= -depth) {
      for (let j = 0; j < depth; j++) this.#drawFreshLevel(logSizes, sizes, i, j);
      return;
    }
    // Plain loops: copyWithin is a builtin call that costs more than moving ≤ 32 doubles.
    if (deeper > 0) {
      for (let j = depth - 1; j >= deeper; j--) {
        logSizes[base + j] = logSizes[base + j - deeper];
        sizes[base + j] = sizes[base + j - deeper];
      }
      for (let j = 0; j < deeper; j++) this.#drawFreshLevel(logSizes, sizes, i, j);
    } else {
      const gone = -deeper;
      for (let j = 0; j < depth - gone; j++) {
        logSizes[base + j] = logSizes[base + j + gone];
        sizes[base + j] = sizes[base + j + gone];
      }
      for (let j = depth - gone; j < depth; j++) this.#drawFreshLevel(logSizes, sizes, i, j);
    }
  }

  #drawFreshLevel(logSizes: Float64Array, sizes: Float64Array, i: number, level: number): void {
    const x = this.#levelLogMean[level] + this.#stationaryLogStd * this.#normals[this.#normalAt(i)];
    logSizes[i * this.#depth + level] = x;
    sizes[i * this.#depth + level] = Math.max(1, Math.round(Math.exp(x)));
  }

  /** Index in #normals of symbol i's next normal (refilling its block when used up). */
  #normalAt(i: number): number {
    let cursor = this.#normalCursors[i];
    if (cursor === VARIATE_BLOCK) {
      this.#symbolRandom[i].fillNormals(this.#normals, i * VARIATE_BLOCK, VARIATE_BLOCK);
      cursor = 0;
    }
    this.#normalCursors[i] = cursor + 1;
    return i * VARIATE_BLOCK + cursor;
  }

  /** Index in #uniforms of symbol i's next uniform in [0, 1). */
  #uniformAt(i: number): number {
    let cursor = this.#uniformCursors[i];
    if (cursor === VARIATE_BLOCK) {
      this.#symbolRandom[i].fillUniforms(this.#uniforms, i * VARIATE_BLOCK, VARIATE_BLOCK);
      cursor = 0;
    }
    this.#uniformCursors[i] = cursor + 1;
    return i * VARIATE_BLOCK + cursor;
  }

  /** GBM step of the log mid over #marketDt[0], plus the news drift integrated exactly. */
  #advanceMid(i: number): void {
    const dt = this.#marketDt[0];
    let newsMove = 0;
    const drift = this.#newsDrift[i];
    if (drift !== 0) {
      // ∫ D·e^(−kt) dt over the step, then decay D.
      const decay = Math.exp(-this.#newsDecayRate * dt);
      newsMove = (drift * (1 - decay)) / this.#newsDecayRate;
      this.#newsDrift[i] = drift * decay;
    }
    const noise = this.#volatilityPerRootSecond[i] * Math.sqrt(dt) * this.#normals[this.#normalAt(i)];
    // A ceiling keeps a runaway configuration finite (and prices exact in float64).
    this.#logMid[i] = Math.min(LOG_MAX_PRICE_UNITS, this.#logMid[i] + this.#logDriftPerSecond[i] * dt + newsMove + noise);
  }

  /** Spread: mostly at the minimum, now and then a tick wider. */
  #evolveSpread(i: number): void {
    const draw = this.#uniforms[this.#uniformAt(i)];
    const spread = this.#spreadTicks[i];
    if (draw < SPREAD_WIDEN_PROBABILITY) {
      if (spread < this.config.maxSpreadTicks) this.#spreadTicks[i] = spread + 1;
    } else if (draw < SPREAD_WIDEN_PROBABILITY + SPREAD_NARROW_PROBABILITY) {
      if (spread > this.config.minSpreadTicks) this.#spreadTicks[i] = spread - 1;
    }
  }

  /** One mean-reverting log-size step on one random level of each side. */
  #perturbLevels(i: number): void {
    const reversion = this.config.sizeReversion;
    const volatility = this.config.sizeVolatility;
    const bidLevel = (this.#uniforms[this.#uniformAt(i)] * this.#depth) | 0;
    const bid = i * this.#depth + bidLevel;
    const bidLog = this.#bidLogSizes[bid] + reversion * (this.#levelLogMean[bidLevel] - this.#bidLogSizes[bid]) + volatility * this.#normals[this.#normalAt(i)];
    this.#bidLogSizes[bid] = bidLog;
    this.#bidSizes[bid] = Math.max(1, Math.round(Math.exp(bidLog)));
    const askLevel = (this.#uniforms[this.#uniformAt(i)] * this.#depth) | 0;
    const ask = i * this.#depth + askLevel;
    const askLog = this.#askLogSizes[ask] + reversion * (this.#levelLogMean[askLevel] - this.#askLogSizes[ask]) + volatility * this.#normals[this.#normalAt(i)];
    this.#askLogSizes[ask] = askLog;
    this.#askSizes[ask] = Math.max(1, Math.round(Math.exp(askLog)));
  }

  /** Maybe a trade at the touch; quoteMove is the sign of the quote's move this step. */
  #maybeTrade(i: number, quoteMove: number): void {
    if (this.#uniforms[this.#uniformAt(i)] >= this.config.tradeProbability) return;
    const buyProbability = quoteMove > 0 ? TRADE_WITH_MOVE_PROBABILITY : quoteMove < 0 ? 1 - TRADE_WITH_MOVE_PROBABILITY : 0.5;
    const isBuy = this.#uniforms[this.#uniformAt(i)] < buyProbability;
    const quantity = Math.max(1, Math.round(Math.exp(this.#tradeLogMean + TRADE_SIZE_LOG_STD * this.#normals[this.#normalAt(i)])));
    const sizes = isBuy ? this.#askSizes : this.#bidSizes;
    const logSizes = isBuy ? this.#askLogSizes : this.#bidLogSizes;
    const touch = i * this.#depth;
    const left = Math.max(1, sizes[touch] - quantity);
    sizes[touch] = left;
    logSizes[touch] = Math.log(left);
    const bestBid = this.#bestBidTicks[i];
    this.#lastPrice[i] = (isBuy ? bestBid + this.#spreadTicks[i] : bestBid) * this.#tickUnits;
    this.#volume[i] += quantity;
  }

  #write(i: number, out: MarketData): void {
    const depth = this.#depth;
    const base = i * depth;
    const tick = this.#tickUnits;
    const bestBid = this.#bestBidTicks[i];
    const bestAsk = bestBid + this.#spreadTicks[i];
    // Bids stop above zero: at a price of a few ticks there are fewer than `depth` levels.
    const bidCount = Math.min(depth, out.bidPrices.length, bestBid);
    const askCount = Math.min(depth, out.askPrices.length);
    for (let j = 0; j < bidCount; j++) {
      out.bidPrices[j] = (bestBid - j) * tick;
      out.bidSizes[j] = this.#bidSizes[base + j];
    }
    for (let j = 0; j < askCount; j++) {
      out.askPrices[j] = (bestAsk + j) * tick;
      out.askSizes[j] = this.#askSizes[base + j];
    }
    out.type = MessageType.MARKET_DATA;
    out.symbol = this.#symbols[i];
    out.bidCount = bidCount;
    out.askCount = askCount;
    out.lastPrice = this.#lastPrice[i];
    out.volume = this.#volume[i];
  }
}
