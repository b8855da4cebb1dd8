/** The seeded market model and its options (re-exports only). */
export { MarketModel, SECONDS_PER_TRADING_YEAR, NEUTRAL_SCORE_BAND, stepLogVolatility } from './market-model.js';
export { resolveMarketOptions, MARKET_DEFAULTS, KNOWN_SYMBOLS, DEFAULT_SYMBOLS, DEFAULT_ANNUAL_VOLATILITY, MAX_SYMBOLS } from './market-options.js';
export type { MarketModelOptions, MarketModelConfig, ResolvedSymbol, SymbolSpec } from './market-options.js';
export { SeededRandom } from './seeded-random.js';
