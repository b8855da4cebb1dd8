/**
 * The package's public entry (`import type { Strategy } from 'ipc-trading'`): what a
 * strategy written outside the project compiles against. Types only: a strategy file
 * needs no value from the project, since its context hands it the enumerations, books,
 * price conversion and the clock (strategy/strategy.ts).
 */
export type { BookSource, BookStatus, OrderClosedReason, OrderRequest, OrderView, PositionView, Strategy, StrategyContext, TickBookStatus } from './strategy/strategy.js';
export type { L2Book } from './core/book.js';
export type { ExecutionReport, MarketData, NewsSentiment } from './protocol/messages.js';
