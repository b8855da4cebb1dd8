/**
 * What a recording holds for a backtest: its symbols, ticks, the last gateway sequence (the
 * run is over when the strategy finished it) and each symbol's mids over market time (for
 * marking positions and drawing the report). A recording whose messages carry no sequence
 * (a seed gateway's) cannot be backtested in step: E_CONFIG_INVALID says what to do.
 */
import { ErrorCode, TradingError } from '../core/errors.js';
import { MessageDecoder } from '../protocol/codec.js';
import { MessageType, type MarketData } from '../protocol/messages.js';
import type { Recording } from '../protocol/recording-reader.js';

/** What the recording holds, for the run and the report. */
export interface MarketSeries {
  symbols: string[];
  ticks: number;
  /** Sequence of the last market data or news message: the run is over when the strategy finished it. */
  lastSequence: number;
  /** Per symbol: [market time (epoch s), mid price] of each tick, in order. */
  mids: Map<string, { times: number[]; mids: number[] }>;
  /** Mid (price units) of each book by its gateway sequence, for marking fills. */
  midBySequence: Map<number, number>;
}

/** The symbols of the recording's market data, in order of first appearance (any recording, numbered or not). */
export function recordingSymbols(recording: Recording): string[] {
  const decoder = new MessageDecoder();
  const symbols = new Set<string>();
  for (let i = 0; i < recording.frameCount; i++) {
    const payload = recording.payload(i);
    try {
      const message = decoder.decode(payload, 0, payload.length);
      if (message.type === MessageType.MARKET_DATA) symbols.add(message.symbol);
    } catch {
      // served as recorded; not a symbol
    }
  }
  return [...symbols];
}

/** Read the recording's market series (symbols, ticks, mids). Throws E_RECORDING_INVALID, E_CONFIG_INVALID. */
export function readMarketSeries(recording: Recording): MarketSeries {
  const decoder = new MessageDecoder();
  const series: MarketSeries = { symbols: [], ticks: 0, lastSequence: 0, mids: new Map(), midBySequence: new Map() };
  let unnumbered = 0;
  for (let i = 0; i < recording.frameCount; i++) {
    const payload = recording.payload(i);
    let message;
    try {
      message = decoder.decode(payload, 0, payload.length);
    } catch {
      continue;
    }
    if (message.type !== MessageType.MARKET_DATA && message.type !== MessageType.NEWS_SENTIMENT) continue;
    if (message.sequence === 0) unnumbered += 1;
    series.lastSequence = Math.max(series.lastSequence, message.sequence);
    if (message.type !== MessageType.MARKET_DATA) continue;
    const tick = message as MarketData;
    series.ticks += 1;
    let symbol = series.mids.get(tick.symbol);
    if (symbol === undefined) {
      symbol = { times: [], mids: [] };
      series.mids.set(tick.symbol, symbol);
      series.symbols.push(tick.symbol);
    }
    if (tick.bidCount > 0 && tick.askCount > 0) {
      const mid = ((tick.bidPrices[0] ?? 0) + (tick.askPrices[0] ?? 0)) / 2;
      symbol.times.push(tick.timestamp);
      symbol.mids.push(mid);
      series.midBySequence.set(tick.sequence, mid);
    }
  }
  if (series.ticks === 0) throw new TradingError(ErrorCode.CONFIG_INVALID, `--data ${recording.path}: the recording holds no market data`);
  if (unnumbered > 0) {
    throw new TradingError(
      ErrorCode.CONFIG_INVALID,
      `--data ${recording.path}: ${unnumbered} messages carry no gateway sequence (a seed gateway's recording); a backtest keeps its processes in step by sequence. Replay it with trading gateway --replay and record that with trading record, or import the data as CSV`,
    );
  }
  return series;
}

