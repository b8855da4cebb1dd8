/**
 * Options of the market model, their defaults, and their validation through the config
 * schema's rules (MARKET_FIELDS, SYMBOL_FIELDS: the same checks and wording as every
 * other option). Every option is checked at once: unknown keys are refused, and every bad
 * field is listed in one TradingError (E_CONFIG_INVALID) so a user fixes a config in one pass.
 *
 * Units: prices in the options are decimals (189.5), turned into integer price units
 * (core/fixed-point) here; volatility and drift are annualised over a trading year of
 * market time; the news half-life is market seconds; rates and the news interval are wall
 * clock (they tell the driver how often to call the model). See market-model.ts for what
 * each parameter does to the market.
 */
import { MAX_SYMBOLS } from '../core/symbol-list.js';
import { collectValues, configError, type Field, type NumberField } from '../config/schema.js';
import { MAX_BOOK_DEPTH, DEFAULT_BOOK_DEPTH } from '../core/book.js';
import { PRICE_SCALE, toPriceUnits } from '../core/fixed-point.js';
import { SYMBOL_PATTERN } from '../protocol/messages.js';

/** One symbol with optional per-symbol parameters (the rest come from the model options). */
export interface SymbolSpec {
  symbol: string;
  /** Decimal start price, e.g. 189.5. */
  startPrice?: number;
  annualVolatility?: number;
  annualDrift?: number;
}

export interface MarketModelOptions {
  /** Integer 0..2^32-1; the same seed and options give the same stream. */
  seed?: number;
  /** Symbol names or specs; default AAPL GOOGL MSFT AMZN TSLA. */
  symbols?: readonly (string | SymbolSpec)[];
  /** Decimal tick size, a multiple of one price unit (1 / PRICE_SCALE); default 0.01. */
  tickSize?: number;
  /** Levels per side, 1..MAX_BOOK_DEPTH; default 10. */
  bookDepth?: number;
  /** Annualised volatility for symbols without their own (default: per symbol, else 0.3). */
  annualVolatility?: number;
  /** Annualised drift (log-return per year) for symbols without their own; default 0. */
  annualDrift?: number;
  /** Market seconds per wall-clock second; > 1 makes the market run faster. Default 1. */
  timeScale?: number;
  /** Updates per symbol per wall second the driver is meant to send; default 10. */
  updatesPerSecond?: number;
  /** Wall seconds between news items the driver is meant to send; default 2. */
  newsIntervalSeconds?: number;
  /** Half-life of a news item's drift, market seconds; default 30. */
  newsHalfLifeSeconds?: number;
  /** Expected total log-return a news item of score ±1 causes over its life; default 0.005. */
  newsImpact?: number;
  /** Narrowest and widest spread, in ticks; defaults 1 and 3. */
  minSpreadTicks?: number;
  maxSpreadTicks?: number;
  /** Mean size (shares) at the best level; default 500. */
  meanLevelSize?: number;
  /** Each level deeper is this fraction larger on average (linear); default 0.15. */
  depthSizeGrowth?: number;
  /** Standard deviation of one size update's log change; default 0.25. */
  sizeVolatility?: number;
  /** Fraction of the log distance to the level's mean closed per size update; default 0.1. */
  sizeReversion?: number;
  /** Levels per side whose size changes in one update (at most the depth); default 1. */
  levelsChangedPerUpdate?: number;
  /** Probability that an update carries a trade; default 0.5. */
  tradeProbability?: number;
  /** Mean trade size, shares (lognormal); default 100. */
  meanTradeSize?: number;
}

export interface ResolvedSymbol {
  symbol: string;
  /** Start mid in price units, on the tick grid. */
  startPriceUnits: number;
  annualVolatility: number;
  annualDrift: number;
}

export interface MarketModelConfig {
  seed: number;
  symbols: readonly ResolvedSymbol[];
  tickUnits: number;
  bookDepth: number;
  timeScale: number;
  updatesPerSecond: number;
  newsIntervalSeconds: number;
  newsHalfLifeSeconds: number;
  newsImpact: number;
  minSpreadTicks: number;
  maxSpreadTicks: number;
  meanLevelSize: number;
  depthSizeGrowth: number;
  sizeVolatility: number;
  sizeReversion: number;
  levelsChangedPerUpdate: number;
  tradeProbability: number;
  meanTradeSize: number;
}

/** Start prices (roughly 2024 levels) and annualised volatilities of the default symbols. */
export const KNOWN_SYMBOLS: Readonly<Record<string, { startPrice: number; annualVolatility: number }>> = {
  AAPL: { startPrice: 190, annualVolatility: 0.25 },
  GOOGL: { startPrice: 170, annualVolatility: 0.3 },
  MSFT: { startPrice: 420, annualVolatility: 0.25 },
  AMZN: { startPrice: 185, annualVolatility: 0.32 },
  TSLA: { startPrice: 250, annualVolatility: 0.6 },
};
export const DEFAULT_SYMBOLS: readonly string[] = ['AAPL', 'GOOGL', 'MSFT', 'AMZN', 'TSLA'];
export const DEFAULT_ANNUAL_VOLATILITY = 0.3;
export { MAX_SYMBOLS };

export const MARKET_DEFAULTS = {
  seed: 42,
  tickSize: 0.01,
  bookDepth: DEFAULT_BOOK_DEPTH,
  annualDrift: 0,
  timeScale: 1,
  updatesPerSecond: 10,
  newsIntervalSeconds: 2,
  newsHalfLifeSeconds: 30,
  newsImpact: 0.005,
  minSpreadTicks: 1,
  maxSpreadTicks: 3,
  meanLevelSize: 500,
  depthSizeGrowth: 0.15,
  sizeVolatility: 0.25,
  sizeReversion: 0.1,
  levelsChangedPerUpdate: 1,
  tradeProbability: 0.5,
  meanTradeSize: 100,
} as const satisfies Required<Omit<MarketModelOptions, 'symbols' | 'annualVolatility'>>;

const num = (description: string, min: number, max: number, more: Partial<NumberField> = {}): NumberField => ({ kind: 'number', min, max, description, ...more });
const int = (description: string, min: number, max: number, more: Partial<NumberField> = {}): NumberField => ({ kind: 'integer', min, max, description, ...more });
const above = (description: string, min: number, max: number, more: Partial<NumberField> = {}): NumberField => num(description, min, max, { exclusiveMin: true, ...more });

/**
 * The market options' fields, checked by the config schema's rules (config/schema.ts), as
 * every other option is; `symbols` is a list of names or specs (SYMBOL_FIELDS). The
 * gateway's flags for the same concepts (seed, time scale, news interval) are these fields.
 */
export const MARKET_FIELDS = {
  seed: int('market model seed: the same seed gives the same market', 0, 0xffff_ffff, { default: MARKET_DEFAULTS.seed }),
  tickSize: above('tick size, decimal, a multiple of one price unit', 0, 1e6, { default: MARKET_DEFAULTS.tickSize }),
  bookDepth: int('levels per side', 1, MAX_BOOK_DEPTH, { default: MARKET_DEFAULTS.bookDepth }),
  annualVolatility: num('annualised volatility of symbols without their own (default: per symbol)', 0, 10, { optional: true }),
  annualDrift: num('annualised drift of symbols without their own', -10, 10, { default: MARKET_DEFAULTS.annualDrift }),
  timeScale: above('market seconds per wall-clock second (> 1: a faster market)', 0, 1e7, { default: MARKET_DEFAULTS.timeScale }),
  updatesPerSecond: above('updates per symbol per wall second', 0, 1e7, { default: MARKET_DEFAULTS.updatesPerSecond }),
  newsIntervalSeconds: above('wall seconds between news items', 0, 86_400, { default: MARKET_DEFAULTS.newsIntervalSeconds }),
  newsHalfLifeSeconds: above("half-life of a news item's drift, market seconds", 0, 1e9, { default: MARKET_DEFAULTS.newsHalfLifeSeconds }),
  newsImpact: num('total log-return of a news item of score ±1', 0, 1, { default: MARKET_DEFAULTS.newsImpact }),
  minSpreadTicks: int('narrowest spread, ticks', 1, 1000, { default: MARKET_DEFAULTS.minSpreadTicks }),
  maxSpreadTicks: int('widest spread, ticks (default 3, at least minSpreadTicks)', 1, 1000, { optional: true }),
  meanLevelSize: num('mean size at the best level, shares', 1, 1e9, { default: MARKET_DEFAULTS.meanLevelSize }),
  depthSizeGrowth: num('size growth per level deeper (linear)', 0, 10, { default: MARKET_DEFAULTS.depthSizeGrowth }),
  sizeVolatility: num("standard deviation of a size update's log change", 0, 5, { default: MARKET_DEFAULTS.sizeVolatility }),
  sizeReversion: num("fraction of the distance to the level's mean closed per size update", 0, 1, { default: MARKET_DEFAULTS.sizeReversion }),
  levelsChangedPerUpdate: int('levels per side whose size changes per update (default 1, at most the depth)', 0, MAX_BOOK_DEPTH, { optional: true }),
  tradeProbability: num('probability that an update carries a trade', 0, 1, { default: MARKET_DEFAULTS.tradeProbability }),
  meanTradeSize: num('mean trade size, shares', 1, 1e9, { default: MARKET_DEFAULTS.meanTradeSize }),
} as const satisfies Record<Exclude<keyof MarketModelOptions, 'symbols'>, NumberField>;

/** One entry of `symbols` given as a spec. */
export const SYMBOL_FIELDS = {
  symbol: { kind: 'string', pattern: SYMBOL_PATTERN, patternHint: '1-8 characters of A-Z 0-9 . _ -', description: 'symbol name' },
  startPrice: above('start price, decimal', 0, 1e9, { optional: true }),
  annualVolatility: MARKET_FIELDS.annualVolatility,
  annualDrift: num('annualised drift', -10, 10, { optional: true }),
} as const satisfies Record<keyof SymbolSpec, Field>;

function describe(raw: unknown): string {
  if (typeof raw === 'number') return String(raw);
  try {
    return JSON.stringify(raw) ?? String(raw);
  } catch {
    return String(raw);
  }
}

/** A deterministic plausible start price (20..500) for a symbol without a known one. */
function derivedStartPrice(symbol: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < symbol.length; i++) hash = Math.imul(hash ^ symbol.charCodeAt(i), 0x01000193);
  return 20 + ((hash >>> 0) % 48_001) / 100;
}

/**
 * Validate options (any value, e.g. parsed JSON) and resolve defaults.
 * @throws TradingError E_CONFIG_INVALID listing every problem.
 */
export function resolveMarketOptions(input: unknown = {}): MarketModelConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw configError([`expected an object, got ${describe(input)}`], 'market options');
  }
  const { symbols: rawSymbols, ...rest } = input as Record<string, unknown>;
  const problems: string[] = [];
  const v = collectValues(MARKET_FIELDS, rest, problems);
  // a value with a problem is undefined: the rules across fields go on with its default
  const d = MARKET_DEFAULTS;
  const tickSize = v.tickSize ?? d.tickSize;
  let tickUnits = toPriceUnits(tickSize);
  if (tickUnits < 1 || Math.abs(tickSize * PRICE_SCALE - tickUnits) > 1e-6) {
    problems.push(`tickSize: must be a multiple of ${1 / PRICE_SCALE}, got ${tickSize}`);
    tickUnits = toPriceUnits(d.tickSize);
  }
  const bookDepth = v.bookDepth ?? d.bookDepth;
  const minSpreadTicks = v.minSpreadTicks ?? d.minSpreadTicks;
  const maxSpreadTicks = v.maxSpreadTicks ?? Math.max(d.maxSpreadTicks, minSpreadTicks);
  if (maxSpreadTicks < minSpreadTicks) problems.push(`maxSpreadTicks: must be ≥ minSpreadTicks (${minSpreadTicks}), got ${maxSpreadTicks}`);
  const levelsChangedPerUpdate = v.levelsChangedPerUpdate ?? Math.min(d.levelsChangedPerUpdate, bookDepth);
  if (levelsChangedPerUpdate > bookDepth) {
    problems.push(`levelsChangedPerUpdate: must be ≤ bookDepth (${bookDepth}), got ${levelsChangedPerUpdate}`);
  }
  if (v.sizeVolatility > 0 && v.sizeReversion === 0) {
    problems.push('sizeReversion: must be > 0 when sizeVolatility > 0 (sizes would wander without bound)');
  }
  const symbols = resolveSymbols(rawSymbols, problems, {
    tickUnits,
    globalVolatility: v.annualVolatility,
    globalDrift: v.annualDrift ?? d.annualDrift,
    minSpreadTicks,
  });
  if (problems.length > 0) throw configError(problems, 'market options');
  return {
    seed: v.seed,
    symbols,
    tickUnits,
    bookDepth,
    timeScale: v.timeScale,
    updatesPerSecond: v.updatesPerSecond,
    newsIntervalSeconds: v.newsIntervalSeconds,
    newsHalfLifeSeconds: v.newsHalfLifeSeconds,
    newsImpact: v.newsImpact,
    minSpreadTicks,
    maxSpreadTicks,
    meanLevelSize: v.meanLevelSize,
    depthSizeGrowth: v.depthSizeGrowth,
    sizeVolatility: v.sizeVolatility,
    sizeReversion: v.sizeReversion,
    levelsChangedPerUpdate,
    tradeProbability: v.tradeProbability,
    meanTradeSize: v.meanTradeSize,
  };
}

interface SymbolDefaults {
  tickUnits: number;
  /** undefined: each symbol's own (the known table's, else DEFAULT_ANNUAL_VOLATILITY). */
  globalVolatility: number | undefined;
  globalDrift: number;
  minSpreadTicks: number;
}

function resolveSymbols(raw: unknown, problems: string[], defaults: SymbolDefaults): ResolvedSymbol[] {
  const list: readonly unknown[] = raw === undefined ? DEFAULT_SYMBOLS : Array.isArray(raw) ? raw : [];
  if (raw !== undefined && !Array.isArray(raw)) problems.push(`symbols: expected a list, got ${describe(raw)}`);
  else if (list.length === 0) problems.push('symbols: must not be empty');
  else if (list.length > MAX_SYMBOLS) problems.push(`symbols: at most ${MAX_SYMBOLS}, got ${list.length}`);

  const resolved: ResolvedSymbol[] = [];
  const seen = new Set<string>();
  list.forEach((entry, index) => {
    const where = `symbols[${index}]`;
    const given: Record<string, unknown> | undefined =
      typeof entry === 'string' ? { symbol: entry } : entry !== null && typeof entry === 'object' && !Array.isArray(entry) ? (entry as Record<string, unknown>) : undefined;
    if (given === undefined) {
      problems.push(`${where}: expected a symbol name or {symbol, startPrice?, annualVolatility?, annualDrift?}, got ${describe(entry)}`);
      return;
    }
    const before = problems.length;
    const spec = collectValues(SYMBOL_FIELDS, given, problems, `${where}.`);
    const symbol = spec.symbol;
    if (symbol === undefined) return;
    if (seen.has(symbol)) problems.push(`${where}: duplicate symbol "${symbol}"`);
    seen.add(symbol);
    if (problems.length > before) return;
    const known = KNOWN_SYMBOLS[symbol];
    const startPrice = spec.startPrice ?? known?.startPrice ?? derivedStartPrice(symbol);
    const annualVolatility = spec.annualVolatility ?? defaults.globalVolatility ?? known?.annualVolatility ?? DEFAULT_ANNUAL_VOLATILITY;
    const annualDrift = spec.annualDrift ?? defaults.globalDrift;
    const startPriceUnits = Math.round(toPriceUnits(startPrice) / defaults.tickUnits) * defaults.tickUnits;
    // The book needs a positive best bid below the mid: at least one spread plus a tick.
    const minimumUnits = (defaults.minSpreadTicks + 1) * defaults.tickUnits;
    if (startPriceUnits < minimumUnits) {
      problems.push(`${where}.startPrice: must be ≥ ${minimumUnits / PRICE_SCALE} (a spread above one tick), got ${startPrice}`);
    }
    resolved.push({ symbol, startPriceUnits, annualVolatility, annualDrift });
  });
  return resolved;
}
