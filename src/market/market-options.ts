/**
 * Options of the market model, their defaults, and their validation. Every option is
 * checked at once: unknown keys are refused, and every bad field is listed in one
 * TradingError (E_CONFIG_INVALID) so a user fixes a config in one pass.
 *
 * Units: prices in the options are decimals (189.5), turned into integer price units
 * (core/fixed-point) here; volatility and drift are annualised over a trading year of
 * market time; the news half-life is market seconds; rates and the news interval are wall
 * clock (they tell the driver how often to call the model). See market-model.ts for what
 * each parameter does to the market.
 */
import { MAX_SYMBOLS } from '../core/symbol-list.js';
import { configError } from '../config/schema.js';
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

const KNOWN_KEYS: ReadonlySet<string> = new Set<keyof MarketModelOptions>([
  'seed', 'symbols', 'tickSize', 'bookDepth', 'annualVolatility', 'annualDrift', 'timeScale',
  'updatesPerSecond', 'newsIntervalSeconds', 'newsHalfLifeSeconds', 'newsImpact', 'minSpreadTicks',
  'maxSpreadTicks', 'meanLevelSize', 'depthSizeGrowth', 'sizeVolatility', 'sizeReversion',
  'levelsChangedPerUpdate', 'tradeProbability', 'meanTradeSize',
]);
const SYMBOL_SPEC_KEYS: ReadonlySet<string> = new Set<keyof SymbolSpec>(['symbol', 'startPrice', 'annualVolatility', 'annualDrift']);

interface NumberRule {
  integer?: boolean;
  min?: number;
  /** true: the value must be strictly greater than min. */
  exclusiveMin?: boolean;
  max?: number;
}

/** Collects problems and reads fields; each read reports its own problem and falls back. */
class FieldReader {
  readonly problems: string[] = [];

  number(where: string, raw: unknown, fallback: number, rule: NumberRule): number {
    if (raw === undefined) return fallback;
    if (typeof raw !== 'number' || !Number.isFinite(raw)) {
      this.problems.push(`${where}: expected a finite number, got ${describe(raw)}`);
      return fallback;
    }
    if (rule.integer === true && !Number.isInteger(raw)) {
      this.problems.push(`${where}: expected an integer, got ${raw}`);
      return fallback;
    }
    if (rule.min !== undefined && (rule.exclusiveMin === true ? raw <= rule.min : raw < rule.min)) {
      this.problems.push(`${where}: must be ${rule.exclusiveMin === true ? '>' : '≥'} ${rule.min}, got ${raw}`);
      return fallback;
    }
    if (rule.max !== undefined && raw > rule.max) {
      this.problems.push(`${where}: must be ≤ ${rule.max}, got ${raw}`);
      return fallback;
    }
    return raw;
  }
}

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

const ANNUAL_VOLATILITY_RULE: NumberRule = { min: 0, max: 10 };
const ANNUAL_DRIFT_RULE: NumberRule = { min: -10, max: 10 };
const START_PRICE_RULE: NumberRule = { min: 0, exclusiveMin: true, max: 1e9 };

/**
 * Validate options (any value, e.g. parsed JSON) and resolve defaults.
 * @throws TradingError E_CONFIG_INVALID listing every problem.
 */
export function resolveMarketOptions(input: unknown = {}): MarketModelConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw configError([`expected an object, got ${describe(input)}`], 'market options');
  }
  const options = input as Record<string, unknown>;
  const read = new FieldReader();
  for (const key of Object.keys(options)) {
    if (!KNOWN_KEYS.has(key)) read.problems.push(`unknown option "${key}" (known: ${[...KNOWN_KEYS].join(', ')})`);
  }
  const d = MARKET_DEFAULTS;

  const seed = read.number('seed', options['seed'], d.seed, { integer: true, min: 0, max: 0xffff_ffff });
  const tickSize = read.number('tickSize', options['tickSize'], d.tickSize, { min: 0, exclusiveMin: true, max: 1e6 });
  let tickUnits = toPriceUnits(tickSize);
  if (tickUnits < 1 || Math.abs(tickSize * PRICE_SCALE - tickUnits) > 1e-6) {
    read.problems.push(`tickSize: must be a multiple of ${1 / PRICE_SCALE}, got ${tickSize}`);
    tickUnits = toPriceUnits(d.tickSize);
  }
  const bookDepth = read.number('bookDepth', options['bookDepth'], d.bookDepth, { integer: true, min: 1, max: MAX_BOOK_DEPTH });
  const globalVolatility = read.number('annualVolatility', options['annualVolatility'], Number.NaN, ANNUAL_VOLATILITY_RULE);
  const globalDrift = read.number('annualDrift', options['annualDrift'], d.annualDrift, ANNUAL_DRIFT_RULE);
  const timeScale = read.number('timeScale', options['timeScale'], d.timeScale, { min: 0, exclusiveMin: true, max: 1e7 });
  const updatesPerSecond = read.number('updatesPerSecond', options['updatesPerSecond'], d.updatesPerSecond, {
    min: 0,
    exclusiveMin: true,
    max: 1e7,
  });
  const newsIntervalSeconds = read.number('newsIntervalSeconds', options['newsIntervalSeconds'], d.newsIntervalSeconds, {
    min: 0,
    exclusiveMin: true,
    max: 86_400,
  });
  const newsHalfLifeSeconds = read.number('newsHalfLifeSeconds', options['newsHalfLifeSeconds'], d.newsHalfLifeSeconds, {
    min: 0,
    exclusiveMin: true,
    max: 1e9,
  });
  const newsImpact = read.number('newsImpact', options['newsImpact'], d.newsImpact, { min: 0, max: 1 });
  const minSpreadTicks = read.number('minSpreadTicks', options['minSpreadTicks'], d.minSpreadTicks, { integer: true, min: 1, max: 1000 });
  const maxSpreadTicks = read.number('maxSpreadTicks', options['maxSpreadTicks'], Math.max(d.maxSpreadTicks, minSpreadTicks), {
    integer: true,
    min: 1,
    max: 1000,
  });
  if (maxSpreadTicks < minSpreadTicks) {
    read.problems.push(`maxSpreadTicks: must be ≥ minSpreadTicks (${minSpreadTicks}), got ${maxSpreadTicks}`);
  }
  const meanLevelSize = read.number('meanLevelSize', options['meanLevelSize'], d.meanLevelSize, { min: 1, max: 1e9 });
  const depthSizeGrowth = read.number('depthSizeGrowth', options['depthSizeGrowth'], d.depthSizeGrowth, { min: 0, max: 10 });
  const sizeVolatility = read.number('sizeVolatility', options['sizeVolatility'], d.sizeVolatility, { min: 0, max: 5 });
  const sizeReversion = read.number('sizeReversion', options['sizeReversion'], d.sizeReversion, { min: 0, max: 1 });
  const levelsChangedPerUpdate = read.number('levelsChangedPerUpdate', options['levelsChangedPerUpdate'], Math.min(d.levelsChangedPerUpdate, bookDepth), {
    integer: true,
    min: 0,
    max: MAX_BOOK_DEPTH,
  });
  if (levelsChangedPerUpdate > bookDepth) {
    read.problems.push(`levelsChangedPerUpdate: must be ≤ bookDepth (${bookDepth}), got ${levelsChangedPerUpdate}`);
  }
  if (sizeVolatility > 0 && sizeReversion === 0) {
    read.problems.push('sizeReversion: must be > 0 when sizeVolatility > 0 (sizes would wander without bound)');
  }
  const tradeProbability = read.number('tradeProbability', options['tradeProbability'], d.tradeProbability, { min: 0, max: 1 });
  const meanTradeSize = read.number('meanTradeSize', options['meanTradeSize'], d.meanTradeSize, { min: 1, max: 1e9 });

  const symbols = resolveSymbols(options['symbols'], read, {
    tickUnits,
    globalVolatility,
    globalDrift,
    minSpreadTicks,
  });

  if (read.problems.length > 0) {
    throw configError(read.problems, 'market options');
  }
  return {
    seed,
    symbols,
    tickUnits,
    bookDepth,
    timeScale,
    updatesPerSecond,
    newsIntervalSeconds,
    newsHalfLifeSeconds,
    newsImpact,
    minSpreadTicks,
    maxSpreadTicks,
    meanLevelSize,
    depthSizeGrowth,
    sizeVolatility,
    sizeReversion,
    levelsChangedPerUpdate,
    tradeProbability,
    meanTradeSize,
  };
}

interface SymbolDefaults {
  tickUnits: number;
  globalVolatility: number;
  globalDrift: number;
  minSpreadTicks: number;
}

function resolveSymbols(raw: unknown, read: FieldReader, defaults: SymbolDefaults): ResolvedSymbol[] {
  const list: readonly unknown[] = raw === undefined ? DEFAULT_SYMBOLS : Array.isArray(raw) ? raw : [];
  if (raw !== undefined && !Array.isArray(raw)) read.problems.push(`symbols: expected a list, got ${describe(raw)}`);
  else if (list.length === 0) read.problems.push('symbols: must not be empty');
  else if (list.length > MAX_SYMBOLS) read.problems.push(`symbols: at most ${MAX_SYMBOLS}, got ${list.length}`);

  const resolved: ResolvedSymbol[] = [];
  const seen = new Set<string>();
  list.forEach((entry, index) => {
    const where = `symbols[${index}]`;
    const spec: Record<string, unknown> | undefined =
      typeof entry === 'string' ? { symbol: entry } : entry !== null && typeof entry === 'object' && !Array.isArray(entry) ? (entry as Record<string, unknown>) : undefined;
    if (spec === undefined) {
      read.problems.push(`${where}: expected a symbol name or {symbol, startPrice?, annualVolatility?, annualDrift?}, got ${describe(entry)}`);
      return;
    }
    for (const key of Object.keys(spec)) {
      if (!SYMBOL_SPEC_KEYS.has(key)) read.problems.push(`${where}: unknown key "${key}" (known: ${[...SYMBOL_SPEC_KEYS].join(', ')})`);
    }
    const symbol = spec['symbol'];
    if (typeof symbol !== 'string' || !SYMBOL_PATTERN.test(symbol)) {
      read.problems.push(`${where}.symbol: expected 1-8 characters of A-Z 0-9 . _ -, got ${describe(symbol)}`);
      return;
    }
    if (seen.has(symbol)) read.problems.push(`${where}: duplicate symbol "${symbol}"`);
    seen.add(symbol);
    const known = KNOWN_SYMBOLS[symbol];
    const startPrice = read.number(`${where}.startPrice`, spec['startPrice'], known?.startPrice ?? derivedStartPrice(symbol), START_PRICE_RULE);
    const fallbackVolatility = Number.isNaN(defaults.globalVolatility) ? (known?.annualVolatility ?? DEFAULT_ANNUAL_VOLATILITY) : defaults.globalVolatility;
    const annualVolatility = read.number(`${where}.annualVolatility`, spec['annualVolatility'], fallbackVolatility, ANNUAL_VOLATILITY_RULE);
    const annualDrift = read.number(`${where}.annualDrift`, spec['annualDrift'], defaults.globalDrift, ANNUAL_DRIFT_RULE);
    const startPriceUnits = Math.round(toPriceUnits(startPrice) / defaults.tickUnits) * defaults.tickUnits;
    // The book needs a positive best bid below the mid: at least one spread plus a tick.
    const minimumUnits = (defaults.minSpreadTicks + 1) * defaults.tickUnits;
    if (startPriceUnits < minimumUnits) {
      read.problems.push(`${where}.startPrice: must be ≥ ${minimumUnits / PRICE_SCALE} (a spread above one tick), got ${startPrice}`);
    }
    resolved.push({ symbol, startPriceUnits, annualVolatility, annualDrift });
  });
  return resolved;
}
