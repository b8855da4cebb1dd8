/**
 * A position and its realized PnL, the one way both the order manager and the strategy
 * account for fills (so that for the same fills they publish the same realized_pnl).
 *
 * Method: FIFO lots. A fill that reduces a position closes the oldest open lots first, at
 * their own prices; what remains of the fill opens a new lot. Why FIFO rather than average
 * cost: with integer prices (price units, core/fixed-point) and whole shares every amount
 * here (cost basis, realized PnL) is an integer number of "price units × shares" and sums
 * stay exact below 2^53, since nothing is ever divided; average cost divides on every
 * partial close and drifts by rounding. FIFO is also what a trade log is reconciled
 * against, lot by lot. The average price shown is that of the open lots
 * (cost basis / net quantity). Divide amounts by PRICE_SCALE for currency.
 */

const INITIAL_LOTS = 16;

export class Position {
  readonly symbol: string;
  /** Signed net position, shares (> 0 long, < 0 short). */
  netQuantity = 0;
  /** Σ signed quantity × price over the open lots (negative when short), price units × shares. */
  costBasis = 0;
  /** Realized PnL, price units × shares. */
  realizedPnl = 0;
  boughtQuantity = 0;
  soldQuantity = 0;
  fills = 0;
  // Open lots, a FIFO ring, all on the side of netQuantity; quantities positive.
  #lotPrices = new Float64Array(INITIAL_LOTS);
  #lotQuantities = new Float64Array(INITIAL_LOTS);
  #lotHead = 0;
  #lotCount = 0;

  constructor(symbol: string) {
    this.symbol = symbol;
  }

  /** Apply one fill: bought (`buy`) or sold `quantity` (> 0) shares at `price` (price units). */
  apply(buy: boolean, quantity: number, price: number): void {
    this.fills++;
    const direction = buy ? 1 : -1;
    if (direction === 1) this.boughtQuantity += quantity;
    else this.soldQuantity += quantity;
    let remaining = quantity;
    // Close opposite lots first, oldest first.
    while (remaining > 0 && this.#lotCount > 0 && Math.sign(this.netQuantity) === -direction) {
      const head = this.#lotHead;
      const lotQuantity = this.#lotQuantities[head];
      const lotPrice = this.#lotPrices[head];
      const closed = lotQuantity < remaining ? lotQuantity : remaining;
      // Closing a long lot by selling earns (price - lotPrice); closing a short lot by buying earns (lotPrice - price).
      this.realizedPnl += direction === -1 ? closed * (price - lotPrice) : closed * (lotPrice - price);
      this.costBasis += direction * closed * lotPrice;
      this.netQuantity += direction * closed;
      remaining -= closed;
      if (closed === lotQuantity) {
        this.#lotHead = (head + 1) % this.#lotPrices.length;
        this.#lotCount--;
      } else {
        this.#lotQuantities[head] = lotQuantity - closed;
      }
    }
    if (remaining > 0) {
      this.#pushLot(remaining, price);
      this.costBasis += direction * remaining * price;
      this.netQuantity += direction * remaining;
    }
  }

  /** Average price of the open position, price units (fractional), 0 when flat. */
  get averagePrice(): number {
    return this.netQuantity === 0 ? 0 : this.costBasis / this.netQuantity;
  }

  /** Unrealized PnL against `markPrice` (price units), price units × shares; 0 when flat or the mark is unknown. */
  unrealizedPnl(markPrice: number): number {
    if (this.netQuantity === 0 || !Number.isFinite(markPrice)) return 0;
    return this.netQuantity * markPrice - this.costBasis;
  }

  /** Open lots, oldest first (for tests and diagnostics; allocates). */
  lots(): { quantity: number; price: number }[] {
    const out: { quantity: number; price: number }[] = [];
    for (let i = 0; i < this.#lotCount; i++) {
      const index = (this.#lotHead + i) % this.#lotPrices.length;
      out.push({ quantity: this.#lotQuantities[index], price: this.#lotPrices[index] });
    }
    return out;
  }

  #pushLot(quantity: number, price: number): void {
    if (this.#lotCount === this.#lotPrices.length) this.#growLots();
    const tail = (this.#lotHead + this.#lotCount) % this.#lotPrices.length;
    this.#lotPrices[tail] = price;
    this.#lotQuantities[tail] = quantity;
    this.#lotCount++;
  }

  #growLots(): void {
    const capacity = this.#lotPrices.length * 2;
    const prices = new Float64Array(capacity);
    const quantities = new Float64Array(capacity);
    for (let i = 0; i < this.#lotCount; i++) {
      const index = (this.#lotHead + i) % this.#lotPrices.length;
      prices[i] = this.#lotPrices[index];
      quantities[i] = this.#lotQuantities[index];
    }
    this.#lotPrices = prices;
    this.#lotQuantities = quantities;
    this.#lotHead = 0;
  }
}
