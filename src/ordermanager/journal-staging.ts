/**
 * One file of the trade log (the fills, or the order journal) with the lines queued for it,
 * as trade-log.ts commits them: staged bytes, what is committed, what is in flight.
 */
import { ErrorCode, TradingError } from '../core/errors.js';
import { SEAL_BYTES, sealLineInPlace } from './line-checksum.js';

const INITIAL_STAGING_BYTES = 256 * 1024;
const NEWLINE = 0x0a;

/**
 * One of the two files and the lines queued for it. Lines are encoded into a staging
 * buffer as they are appended (no string is built up per batch and flattened at commit
 * time); a commit takes that buffer and appends go on into the other one, which is free
 * again because only one commit is in flight at a time.
 */
export class JournalFile {
  readonly path: string;
  readonly label: string;
  fd: number;
  pendingLines = 0;
  /** Size of the file up to the end of the last commit that completed (both files synced). */
  committedSize = 0;
  /** Bytes of the commit in flight. */
  inFlightBytes = 0;
  /** Lines up to committedSize, and of the commit in flight. */
  committedLines = 0;
  inFlightLines = 0;
  /** The file ends mid-line: the next write starts with a newline. */
  needsNewline = false;
  #staging = Buffer.allocUnsafe(INITIAL_STAGING_BYTES);
  #spare = Buffer.allocUnsafe(INITIAL_STAGING_BYTES);
  /** Bytes of #staging in use; byte 0 is kept for the newline a torn tail needs. */
  #length = 1;
  /** End of the room `reserve` gave the line being written (0: none). */
  #reservedEnd = 0;

  constructor(path: string, label: string, fd: number) {
    this.path = path;
    this.label = label;
    this.fd = fd;
  }

  /** Queue one line (one JSON object, newline included); it is sealed with its checksum here. */
  add(line: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit
    const staging = this.reserve(3 * line.length);
    this.added(this.#length + staging.write(line, this.#length, 'utf8'));
  }

  /**
   * Room for one more line of at most `maxBytes` (newline included, seal not): the staging
   * buffer, to be written from `lineStart` and then queued with `added`. For lines encoded
   * as bytes in place (fill-line-writer.ts) rather than built as a string.
   */
  reserve(maxBytes: number): Buffer {
    const worst = this.#length + maxBytes + SEAL_BYTES;
    if (worst > this.#staging.length) {
      const grown = Buffer.allocUnsafe(Math.max(worst, 2 * this.#staging.length));
      this.#staging.copy(grown, 0, 0, this.#length);
      this.#staging = grown;
    }
    this.#reservedEnd = this.#length + maxBytes;
    return this.#staging;
  }

  /** Where the line being written into the buffer `reserve` gave starts. */
  get lineStart(): number {
    return this.#length;
  }

  /** Queue the line written from `lineStart` up to `end` (reserved first); it is sealed with its checksum here. */
  added(end: number): void {
    if (end > this.#reservedEnd) throw new TradingError(ErrorCode.INTERNAL, `journal line of ${end - this.#length} bytes past the ${this.#reservedEnd - this.#length} reserved`);
    this.#length = sealLineInPlace(this.#staging, this.#length, end);
    this.#reservedEnd = 0;
    this.pendingLines++;
  }

  /** Take what is pending as bytes to write (or undefined if nothing is); valid until the next take. */
  takePending(): Buffer | undefined {
    if (this.pendingLines === 0) return undefined;
    const staging = this.#staging;
    const length = this.#length;
    this.#staging = this.#spare;
    this.#spare = staging;
    this.#length = 1;
    this.pendingLines = 0;
    if (this.needsNewline) {
      staging[0] = NEWLINE;
      return staging.subarray(0, length);
    }
    return staging.subarray(1, length);
  }

  /** Forget what is pending (the journal failed). */
  dropPending(): void {
    this.#length = 1;
    this.pendingLines = 0;
  }
}
