/**
 * `trading orderbook --gateway HOST:PORT --shm NAME [--replace-stale] [--symbols A,B]`:
 * write the gateway's books into the shared-memory book. See orderbook.ts.
 */
import { commonFields, describeSchema, loadConfig, parseHostPort, type Schema } from '../config/schema.js';
import { DEFAULT_BOOK_DEPTH, MAX_BOOK_DEPTH } from '../core/book.js';
import { ErrorCode, TradingError } from '../core/errors.js';
import { runComponent } from '../core/runtime.js';
import { SYMBOL_PATTERN } from '../protocol/messages.js';
import { Orderbook } from './orderbook.js';

export const orderbookSchema = {
  gateway: commonFields.endpoint('127.0.0.1:5555', 'the gateway to read market data from, HOST:PORT'),
  shm: commonFields.shm(),
  replaceStale: {
    kind: 'boolean',
    default: false,
    description: 'take over a segment left by an orderbook that is gone (a live one is never touched)',
  },
  symbols: { kind: 'optional-string', description: 'symbols to make slots for, comma-separated (default: learnt from the gateway)' },
  depth: { kind: 'integer', default: DEFAULT_BOOK_DEPTH, min: 1, max: MAX_BOOK_DEPTH, description: 'levels per side in the shared book' },
} as const satisfies Schema;

function parseSymbols(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const symbols = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = symbols.filter((s) => !SYMBOL_PATTERN.test(s));
  if (symbols.length === 0 || bad.length > 0 || new Set(symbols).size !== symbols.length) {
    throw new TradingError(ErrorCode.CONFIG_INVALID, `invalid configuration:\n  --symbols: expected distinct symbols of 1-8 characters A-Z 0-9 . _ -, got "${text}"`);
  }
  return symbols;
}

export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(describeSchema('orderbook', orderbookSchema) + '\n');
    return 0;
  }
  return runComponent('orderbook', (log) => {
    const { config } = loadConfig(orderbookSchema, { argv });
    const gateway = parseHostPort(config.gateway, '--gateway');
    const symbols = parseSymbols(config.symbols);
    return new Orderbook({
      gatewayHost: gateway.host,
      gatewayPort: gateway.port,
      shm: config.shm,
      replaceStale: config.replaceStale,
      ...(symbols === undefined ? {} : { symbols }),
      depth: config.depth,
      log,
    });
  });
}
