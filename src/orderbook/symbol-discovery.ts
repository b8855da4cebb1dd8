/**
 * Which symbols the gateway streams, learnt from the stream itself: the orderbook is told
 * only where the gateway is, yet must size the shared segment (one slot per symbol)
 * before it writes the first book.
 *
 * The gateway sends rounds: every symbol once, always in the same order. Whatever round
 * the stream is joined in, the first symbol seen twice closes a full cycle, so every
 * symbol has been seen by then. The list comes in the order seen (slot numbers need not
 * match the gateway's: readers look symbols up by name).
 */
export class SymbolDiscovery {
  readonly #seen: string[] = [];
  readonly #known = new Set<string>();
  #complete: readonly string[] | undefined;
  readonly #maxSymbols: number;

  constructor(maxSymbols: number) {
    this.#maxSymbols = maxSymbols;
  }

  /** The symbol list once a full cycle has been seen, else undefined. */
  get symbols(): readonly string[] | undefined {
    return this.#complete;
  }

  /**
   * Note a MARKET_DATA symbol. Returns the complete list when this symbol closed the cycle
   * (once), undefined otherwise. More than maxSymbols distinct symbols completes it too.
   */
  observe(symbol: string): readonly string[] | undefined {
    if (this.#complete !== undefined) return undefined;
    if (this.#known.has(symbol)) return this.#finish();
    this.#known.add(symbol);
    this.#seen.push(symbol);
    return this.#seen.length >= this.#maxSymbols ? this.#finish() : undefined;
  }

  /** Forget a partial cycle (the connection was lost mid-round). */
  reset(): void {
    if (this.#complete !== undefined) return;
    this.#seen.length = 0;
    this.#known.clear();
  }

  #finish(): readonly string[] {
    this.#complete = Object.freeze([...this.#seen]);
    return this.#complete;
  }
}
