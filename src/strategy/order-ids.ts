/**
 * Order ids unique across runs. The order manager rejects an id it has seen before, and it
 * remembers ids across its own restarts (from the trade log), so a strategy that restarts
 * and counts from 1 again would have its first orders rejected as duplicates. Every id is
 * therefore `<session token>-<sequence>`, where the token is made once per run from the
 * wall clock (milliseconds, base 36) and 32 random bits: two runs share a token only if
 * they start in the same millisecond and draw the same 32 bits.
 */
import { randomBytes } from 'node:crypto';
import { ErrorCode, TradingError } from '../core/errors.js';
import { MAX_ORDER_ID_LENGTH } from '../protocol/messages.js';

/** Letters, digits and '_' only, so the last '-' of an id always separates the sequence. */
export const SESSION_TOKEN_PATTERN = /^[A-Za-z0-9_]{1,40}$/;

/** A fresh token, e.g. "s1kq2x3c9a7f0e2b1". */
export function createSessionToken(nowMs: number = Date.now(), random: Uint8Array = randomBytes(4)): string {
  return `s${Math.floor(nowMs).toString(36)}${Buffer.from(random).toString('hex')}`;
}

export class OrderIdGenerator {
  readonly sessionToken: string;
  #issued = 0;

  constructor(sessionToken: string = createSessionToken()) {
    if (!SESSION_TOKEN_PATTERN.test(sessionToken)) {
      throw new TradingError(
        ErrorCode.CONFIG_INVALID,
        `session token must be 1-40 letters, digits or '_', got ${JSON.stringify(sessionToken)}`,
      );
    }
    this.sessionToken = sessionToken;
  }

  /** How many ids this generator has issued. */
  get issued(): number {
    return this.#issued;
  }

  /** The next id: "<token>-1", "<token>-2", ... (at most 40 + 1 + 16 characters). */
  next(): string {
    this.#issued += 1;
    const id = `${this.sessionToken}-${this.#issued}`;
    // 40 + 1 + 16 digits stays under the wire limit; the check guards a future change.
    if (id.length > MAX_ORDER_ID_LENGTH) throw new TradingError(ErrorCode.ORDER_INVALID, `order id too long: ${id}`);
    return id;
  }
}
