/** The strategy layer: the interface, the engine that runs it, and the strategies we ship. */
export type { BookSource, BookStatus, OrderClosedReason, OrderRequest, OrderView, PositionView, Strategy, StrategyContext } from './strategy.js';
export type { OrderSink, StrategyEngineCounters, StrategyEngineOptions } from './engine.js';
export { StrategyEngine, validateOrderRequest } from './engine.js';
export type { TrackerCounters } from './order-tracker.js';
export { OrderTracker } from './order-tracker.js';
export { OrderIdGenerator, SESSION_TOKEN_PATTERN, createSessionToken } from './order-ids.js';
export type { PriceSource } from './price-window.js';
export { DEFAULT_WINDOW_SAMPLES, PriceWindow, WindowResult } from './price-window.js';
export type { SeedStrategyConfig } from './seed-strategy-config.js';
export { DEFAULT_SEED_STRATEGY_CONFIG, SEED_STRATEGY_FIELDS, resolveSeedStrategyConfig } from './seed-strategy-config.js';
export type { SeedStrategyCounters } from './seed-strategy.js';
export { SeedStrategy, nextSentimentEma } from './seed-strategy.js';
export type { ImbalanceStrategyConfig } from './examples/imbalance-strategy.js';
export { DEFAULT_IMBALANCE_STRATEGY_CONFIG, ImbalanceStrategy, bookImbalance } from './examples/imbalance-strategy.js';
