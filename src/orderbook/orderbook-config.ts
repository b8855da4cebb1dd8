/**
 * `trading orderbook` options: the schema (flags, TRADING_* environment, config file) and
 * what it cannot say on its own, the optional --symbols list.
 */
import { busFields } from '../bus/bus-config.js';
import { sessionClientFields } from '../session/session-options.js';
import { commonFields, type Schema } from '../config/schema.js';
import { metricsPortField } from '../metrics/metrics-server.js';
import { DEFAULT_BOOK_DEPTH, MAX_BOOK_DEPTH } from '../core/book.js';
import { SYMBOL_PATTERN } from '../protocol/messages.js';

export const orderbookSchema = {
  gateway: commonFields.endpoint('127.0.0.1:5555', 'the gateway to read market data from, HOST:PORT'),
  shm: commonFields.shm(),
  metricsPort: metricsPortField,
  replaceStale: {
    kind: 'boolean',
    default: false,
    description: 'take over a segment left by an orderbook that is gone (a live one is never touched)',
  },
  symbols: { kind: 'optional-string', description: 'symbols to make slots for, comma-separated (default: learnt from the gateway)' },
  depth: { kind: 'integer', default: DEFAULT_BOOK_DEPTH, min: 1, max: MAX_BOOK_DEPTH, description: 'levels per side in the shared book' },
  ...busFields,
  busSymbols: { kind: 'optional-string', description: 'on the bus: symbols to subscribe to, comma-separated (default: --symbols, else all)' },
  gate: { kind: 'optional-string', description: 'backtest only: the flow gate segment to keep in step with (trading backtest sets it)' },
  ...sessionClientFields,
} as const satisfies Schema;

/** `--symbols` text → the symbols, or undefined (learn them from the gateway). */
export function parseSymbols(text: string | undefined, problems: string[], flag = '--symbols'): string[] | undefined {
  if (text === undefined) return undefined;
  const symbols = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = symbols.filter((s) => !SYMBOL_PATTERN.test(s));
  if (symbols.length === 0 || bad.length > 0 || new Set(symbols).size !== symbols.length) {
    problems.push(`${flag}: expected distinct symbols of 1-8 characters A-Z 0-9 . _ -, got "${text}"`);
  }
  return symbols;
}
