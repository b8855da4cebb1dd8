/**
 * Symbol lists as people read them, and generated universes for scale runs. A ready line
 * names five symbols; it summarises ten thousand instead of printing 70 kB.
 */

/**
 * The most symbols one system carries: the shared book's slots (shm/layout.ts) and the
 * market model's universe (market/market-options.ts) are both bounded by it.
 */
export const MAX_SYMBOLS = 16_384;

/** Lists longer than this are summarised in logs. */
const MAX_LISTED_SYMBOLS = 16;

/** "AAPL,MSFT" for a short list; "S00000 … S09999 (10000 symbols)" for a long one. */
export function describeSymbols(symbols: readonly string[]): string {
  if (symbols.length <= MAX_LISTED_SYMBOLS) return symbols.join(',');
  return `${symbols[0]} … ${symbols[symbols.length - 1]} (${symbols.length} symbols)`;
}

/** `count` distinct valid symbols, S00000, S00001, … (at most 8 characters up to 10^7). */
export function syntheticSymbols(count: number): string[] {
  const width = Math.max(5, String(count - 1).length);
  return Array.from({ length: count }, (_, i) => `S${String(i).padStart(width, '0')}`);
}
