/**
 * L2 snapshots from a CSV, into a recording (`trading import --csv FILE --out FILE`), so
 * real historical data can be replayed and backtested. The CSV:
 *
 *   time,symbol,bid_price_1,bid_size_1,ask_price_1,ask_size_1,bid_price_2,...,ask_size_N[,last_price][,volume]
 *   2024-03-01T14:30:00.000Z,AAPL,179.98,300,180.02,200,179.97,500,180.03,400,...
 *   1709303400.100,MSFT,...
 *
 * - A header line names the columns (any order); lines starting with '#' and blank lines
 *   are skipped. Levels 1..N are read while their four columns exist (N ≤ 32).
 * - `time`: epoch seconds (a decimal number) or an ISO 8601 date-time; rows in time order
 *   (equal times allowed; a row earlier than the one before is an error).
 * - `symbol`: 1-8 of A-Z 0-9 . _ -. Prices are decimals (stored as integer price units of
 *   0.0001, rounded), sizes non-negative integers. A level whose cells are empty ends that
 *   side (a thin book); bids must fall and asks rise level by level.
 * - `last_price` and `volume` are optional (0 when absent).
 *
 * Each row becomes one MARKET_DATA in our binary encoding, numbered 1, 2, ... (the gateway
 * sequence), received at its time relative to the first row (to the microsecond). A bad cell is E_CSV_INVALID
 * naming the line and the column; nothing is written then.
 */
import { readFileSync } from 'node:fs';
import { MAX_BOOK_DEPTH, createL2Book } from '../core/book.js';
import { ErrorCode, TradingError } from '../core/errors.js';
import { toPriceUnits } from '../core/fixed-point.js';
import { MessageEncoder } from '../protocol/codec.js';
import { FRAME_HEADER_BYTES } from '../protocol/framing.js';
import { MessageType, SYMBOL_PATTERN, type MarketData } from '../protocol/messages.js';
import { RecordingWriter } from '../protocol/recording-writer.js';

export interface ImportResult {
  rows: number;
  symbols: string[];
  levels: number;
  firstTime: number;
  lastTime: number;
}

function csvError(file: string, line: number, message: string): TradingError {
  return new TradingError(ErrorCode.CSV_INVALID, `${file}:${line}: ${message}`);
}

function parseTime(text: string): number {
  if (/^\d+(?:\.\d+)?$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  return /^\d{4}-\d{2}-\d{2}T/.test(text) && Number.isFinite(ms) ? ms / 1000 : Number.NaN;
}

/** Read and check every row of `csvPath`, then write them to `outPath`. */
export function importCsv(csvPath: string, outPath: string): ImportResult {
  let text: string;
  try {
    text = readFileSync(csvPath, 'utf8');
  } catch (err) {
    throw new TradingError(ErrorCode.CSV_INVALID, `${csvPath}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const lines = text.split(/\r?\n/);
  let header: string[] | undefined;
  let headerLine = 0;
  const rows: MarketData[] = [];
  const times: number[] = [];
  let columns: { time: number; symbol: number; levels: number[][]; last: number; volume: number } | undefined;
  for (let index = 0; index < lines.length; index++) {
    const raw = (lines[index] ?? '').trim();
    const lineNumber = index + 1;
    if (raw === '' || raw.startsWith('#')) continue;
    const cells = raw.split(',').map((cell) => cell.trim());
    if (header === undefined) {
      header = cells;
      headerLine = lineNumber;
      const at = (name: string): number => header?.indexOf(name) ?? -1;
      if (at('time') < 0 || at('symbol') < 0) throw csvError(csvPath, lineNumber, 'the header needs a time and a symbol column');
      const levels: number[][] = [];
      for (let level = 1; level <= MAX_BOOK_DEPTH; level++) {
        const set = [`bid_price_${level}`, `bid_size_${level}`, `ask_price_${level}`, `ask_size_${level}`].map(at);
        if (set.some((column) => column < 0)) break;
        levels.push(set);
      }
      if (levels.length === 0) throw csvError(csvPath, lineNumber, 'the header needs bid_price_1, bid_size_1, ask_price_1, ask_size_1 at least');
      columns = { time: at('time'), symbol: at('symbol'), levels, last: at('last_price'), volume: at('volume') };
      continue;
    }
    if (columns === undefined) continue;
    if (cells.length !== header.length) throw csvError(csvPath, lineNumber, `${cells.length} cells where the header (line ${headerLine}) has ${header.length}`);
    const cell = (column: number): string => cells[column] ?? '';
    const time = parseTime(cell(columns.time));
    if (!Number.isFinite(time)) throw csvError(csvPath, lineNumber, `time "${cell(columns.time)}" is neither epoch seconds nor an ISO 8601 date-time`);
    const previous = times[times.length - 1];
    if (previous !== undefined && time < previous) throw csvError(csvPath, lineNumber, `time ${time} is before the previous row's ${previous}: rows must be in time order`);
    const symbol = cell(columns.symbol);
    if (!SYMBOL_PATTERN.test(symbol)) throw csvError(csvPath, lineNumber, `symbol "${symbol}" is not 1-8 of A-Z 0-9 . _ -`);
    const book = createL2Book(columns.levels.length);
    const message: MarketData = { ...book, type: MessageType.MARKET_DATA, symbol, timestamp: time, sequence: rows.length + 1, sentNs: 0 };
    for (const side of ['bid', 'ask'] as const) {
      const prices = side === 'bid' ? message.bidPrices : message.askPrices;
      const sizes = side === 'bid' ? message.bidSizes : message.askSizes;
      let count = 0;
      for (let level = 0; level < columns.levels.length; level++) {
        const set = columns.levels[level] ?? [];
        const priceText = cell(set[side === 'bid' ? 0 : 2] ?? -1);
        const sizeText = cell(set[side === 'bid' ? 1 : 3] ?? -1);
        if (priceText === '' && sizeText === '') break;
        const name = `${side}_price_${level + 1}`;
        const price = Number(priceText);
        const size = Number(sizeText);
        if (!(price > 0) || !Number.isFinite(price)) throw csvError(csvPath, lineNumber, `${name} "${priceText}" is not a positive price`);
        if (!Number.isSafeInteger(size) || size < 0) throw csvError(csvPath, lineNumber, `${side}_size_${level + 1} "${sizeText}" is not a non-negative integer`);
        const units = toPriceUnits(price);
        const before = prices[level - 1];
        if (level > 0 && before !== undefined && (side === 'bid' ? units >= before : units <= before)) {
          throw csvError(csvPath, lineNumber, `${name} ${price} does not ${side === 'bid' ? 'fall below' : 'rise above'} level ${level}`);
        }
        prices[level] = units;
        sizes[level] = size;
        count += 1;
      }
      if (side === 'bid') message.bidCount = count;
      else message.askCount = count;
    }
    if (message.bidCount > 0 && message.askCount > 0 && (message.bidPrices[0] ?? 0) >= (message.askPrices[0] ?? 0)) {
      throw csvError(csvPath, lineNumber, 'the best bid is not below the best ask (a crossed book)');
    }
    if (columns.last >= 0 && cell(columns.last) !== '') {
      const last = Number(cell(columns.last));
      if (!(last > 0)) throw csvError(csvPath, lineNumber, `last_price "${cell(columns.last)}" is not a positive price`);
      message.lastPrice = toPriceUnits(last);
    }
    if (columns.volume >= 0 && cell(columns.volume) !== '') {
      const volume = Number(cell(columns.volume));
      if (!Number.isSafeInteger(volume) || volume < 0) throw csvError(csvPath, lineNumber, `volume "${cell(columns.volume)}" is not a non-negative integer`);
      message.volume = volume;
    }
    rows.push(message);
    times.push(time);
  }
  if (rows.length === 0) throw new TradingError(ErrorCode.CSV_INVALID, `${csvPath}: no rows${header === undefined ? ' and no header' : ''}`);
  const firstTime = times[0] ?? 0;
  const writer = new RecordingWriter(outPath, firstTime * 1000);
  const encoder = new MessageEncoder({ mode: 'binary' });
  try {
    rows.forEach((message, index) => {
      const bytes = encoder.encode(message);
      // to the microsecond: epoch seconds in a double carry no more, and rounding keeps 0.1 s exactly 1e8 ns
      writer.append(encoder.buffer, FRAME_HEADER_BYTES, bytes - FRAME_HEADER_BYTES, Math.round(((times[index] ?? firstTime) - firstTime) * 1e6) * 1e3);
    });
  } finally {
    writer.close();
  }
  return { rows: rows.length, symbols: [...new Set(rows.map((row) => row.symbol))], levels: columns?.levels.length ?? 0, firstTime, lastTime: times[times.length - 1] ?? firstTime };
}
