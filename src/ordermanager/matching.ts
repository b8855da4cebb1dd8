/**
 * Execution against a displayed L2 book, pure and allocation-free.
 *
 * The book is someone else's market: our fills do not change it, so without care two
 * orders against the same snapshot would both take the same displayed shares. A
 * `BookLiquidity` remembers, per level, what our own fills took from the book state with
 * a given `sequence`, and forgets it when a new state (another sequence) arrives, whose
 * sizes already reflect the market after our trades as far as the model knows.
 *
 * Levels are keyed by index and checked by price, so a book reusing a sequence number
 * (a restarted gateway) cannot make us believe a different price level was consumed.
 * Levels with a non-positive or non-finite price or size are skipped, not trusted.
 */
import { MAX_BOOK_DEPTH, type L2Book } from '../core/book.js';
import { Side } from '../protocol/messages.js';

/** What our fills have taken from each level of one book state. */
export class BookLiquidity {
  #sequence = Number.NaN;
  /** Everything of the current state counts as taken (see exhaust). */
  #exhausted = false;
  readonly #askTakenPrice: Float64Array;
  readonly #askTaken: Float64Array;
  readonly #bidTakenPrice: Float64Array;
  readonly #bidTaken: Float64Array;

  constructor(capacity: number = MAX_BOOK_DEPTH) {
    this.#askTakenPrice = new Float64Array(capacity);
    this.#askTaken = new Float64Array(capacity);
    this.#bidTakenPrice = new Float64Array(capacity);
    this.#bidTaken = new Float64Array(capacity);
  }

  /** The sequence whose consumption is remembered (NaN before the first). */
  get sequence(): number {
    return this.#sequence;
  }

  /** Start tracking `book`'s state; forgets what was taken if it is a new state. */
  sync(book: L2Book): void {
    if (book.sequence === this.#sequence) return;
    this.#sequence = book.sequence;
    this.#exhausted = false;
    this.#askTaken.fill(0);
    this.#bidTaken.fill(0);
  }

  /**
   * Whole shares still available at `level` of the side a `takerSide` order trades
   * against (asks for a buy, bids for a sell). 0 for an unusable level.
   */
  available(book: L2Book, takerSide: Side, level: number): number {
    if (this.#exhausted) return 0;
    const buy = takerSide === Side.BUY;
    const price = buy ? book.askPrices[level] : book.bidPrices[level];
    const size = buy ? book.askSizes[level] : book.bidSizes[level];
    if (!(price > 0 && size > 0) || !Number.isFinite(price) || !Number.isFinite(size)) return 0;
    let taken = 0;
    if (level < this.#askTaken.length) {
      const takenPrice = buy ? this.#askTakenPrice[level] : this.#bidTakenPrice[level];
      if (takenPrice === price) taken = buy ? this.#askTaken[level] : this.#bidTaken[level];
    }
    const left = Math.floor(size) - taken;
    return left > 0 ? left : 0;
  }

  /**
   * Treat the book state `sequence` as fully taken. After a restart the order manager
   * no longer knows what its fills took from the last book state it traded against, so
   * it takes nothing more from that state; the next state is whole again.
   */
  exhaust(sequence: number): void {
    this.#sequence = sequence;
    this.#exhausted = true;
  }

  /** Record that `quantity` shares were taken from `level` (after `available`). */
  take(book: L2Book, takerSide: Side, level: number, quantity: number): void {
    if (level >= this.#askTaken.length) return;
    if (takerSide === Side.BUY) {
      const price = book.askPrices[level];
      if (this.#askTakenPrice[level] !== price) {
        this.#askTakenPrice[level] = price;
        this.#askTaken[level] = 0;
      }
      this.#askTaken[level] += quantity;
    } else {
      const price = book.bidPrices[level];
      if (this.#bidTakenPrice[level] !== price) {
        this.#bidTakenPrice[level] = price;
        this.#bidTaken[level] = 0;
      }
      this.#bidTaken[level] += quantity;
    }
  }
}

/** Fills planned for one taker order: one per book level touched, best price first. */
export interface FillPlan {
  count: number;
  /** Sum of planned quantities. */
  filled: number;
  readonly prices: Float64Array;
  readonly quantities: Float64Array;
}

export function createFillPlan(capacity: number = MAX_BOOK_DEPTH): FillPlan {
  return { count: 0, filled: 0, prices: new Float64Array(capacity), quantities: new Float64Array(capacity) };
}

/**
 * A taker order: walk the opposite side best first, taking every level priced at or
 * better than `limitPrice` (a buy: ask ≤ limit; a sell: bid ≥ limit) until `quantity` is
 * filled. Each touched level is one planned fill at that level's price, so a large order
 * fills partially at successively worse prices. What is planned is taken from
 * `liquidity` (which must be synced to `book`); the caller executes the whole plan.
 * Returns the quantity planned.
 */
export function planTakerFills(
  side: Side,
  limitPrice: number,
  quantity: number,
  book: L2Book,
  liquidity: BookLiquidity,
  plan: FillPlan,
): number {
  plan.count = 0;
  plan.filled = takeLiquidity(side, limitPrice, quantity, book, liquidity, plan);
  return plan.filled;
}

/**
 * A resting limit order when a new book arrives: the displayed liquidity priced at or
 * through its limit (asks ≤ limit for a resting buy, bids ≥ limit for a resting sell)
 * would have traded with it, at its own limit price, since it was in the market first.
 * Takes up to `quantity` of that liquidity, best levels first, and returns how much.
 */
export function takeRestingFill(side: Side, limitPrice: number, quantity: number, book: L2Book, liquidity: BookLiquidity): number {
  return takeLiquidity(side, limitPrice, quantity, book, liquidity, undefined);
}

/**
 * The walk both share: the opposite side best first, every level priced at or through
 * `limitPrice`, taking from `liquidity` until `quantity` is met; each level taken is added
 * to `plan` when there is one (at most its capacity of levels). Returns the quantity taken.
 */
function takeLiquidity(side: Side, limitPrice: number, quantity: number, book: L2Book, liquidity: BookLiquidity, plan: FillPlan | undefined): number {
  const buy = side === Side.BUY;
  const bookLevels = buy ? book.askCount : book.bidCount;
  const levels = plan === undefined ? bookLevels : Math.min(bookLevels, plan.prices.length);
  const prices = buy ? book.askPrices : book.bidPrices;
  let remaining = quantity;
  for (let level = 0; level < levels && remaining > 0; level++) {
    const price = prices[level];
    if (buy ? price > limitPrice : price < limitPrice) continue;
    const available = liquidity.available(book, side, level);
    if (available === 0) continue;
    const quantityHere = available < remaining ? available : remaining;
    liquidity.take(book, side, level, quantityHere);
    if (plan !== undefined) {
      plan.prices[plan.count] = price;
      plan.quantities[plan.count] = quantityHere;
      plan.count++;
    }
    remaining -= quantityHere;
  }
  return quantity - remaining;
}
