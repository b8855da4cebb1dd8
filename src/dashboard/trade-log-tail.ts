/**
 * The trade log as the dashboard follows it: read-only, from where it was last read, on a
 * timer (never on the order manager's path). Whole lines only: a line still being written
 * waits for its newline. A file that shrinks or is replaced (another inode) is read again
 * from the start, and `reset` says so; so is one cut back and grown again between two polls
 * (the order manager cuts its log back to the last durable line after a failed sync): the
 * last bytes read are checked to be still there before anything after them is read. Positions are the order manager's own arithmetic
 * (PositionBook, FIFO lots) over the same lines, so what the page shows is what the order
 * manager would rebuild from the file at that point.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { PositionBook } from '../ordermanager/positions.js';
import { createLoggedFill, parseFillLine } from '../ordermanager/trade-log-line.js';
import type { LoggedFill } from '../ordermanager/execution-journal.js';

/**
 * Most bytes read in one poll (about 900 fills, 3 to 15 ms to parse here): a long log is
 * caught up over several polls, and the caller decides how many fit in its turn, so the
 * supervisor that hosts the dashboard never stalls on a large log.
 */
export const DEFAULT_TAIL_CHUNK_BYTES = 256 * 1024;
/** A line longer than this (no newline in sight) is skipped as corrupt. */
const MAX_LINE_BYTES = 64 * 1024;
/** Bytes before the read offset that must be unchanged for the file to be the one read so far. */
const CHECK_BYTES = 64;

export interface TailPoll {
  /** The file was replaced or truncated: everything before is void. */
  reset: boolean;
  fills: LoggedFill[];
  /** A whole chunk was read: there may be more to read now. */
  more: boolean;
}

export class TradeLogTail {
  readonly path: string;
  readonly chunkBytes: number;
  positions = new PositionBook();
  /** Valid fills read so far. */
  fillCount = 0;
  /** Lines that are not fills (corrupt, torn and since completed, foreign). */
  corruptLines = 0;
  #offset = 0;
  #inode = -1;
  #partial = '';
  readonly #buffer: Buffer;
  /** The last bytes read (up to CHECK_BYTES), which must still be just before #offset. */
  #seen = Buffer.alloc(0);
  readonly #fill = createLoggedFill();

  constructor(path: string, chunkBytes = DEFAULT_TAIL_CHUNK_BYTES) {
    this.path = path;
    this.chunkBytes = chunkBytes;
    this.#buffer = Buffer.allocUnsafe(chunkBytes + CHECK_BYTES);
  }

  /** Read what was appended since the last poll. A missing file is an empty one. */
  poll(): TailPoll {
    let reset = false;
    let size: number;
    let inode: number;
    try {
      const stat = statSync(this.path);
      size = stat.size;
      inode = stat.ino;
    } catch {
      if (this.#inode !== -1) reset = this.#restart();
      return { reset, fills: [], more: false };
    }
    if ((this.#inode !== -1 && inode !== this.#inode) || size < this.#offset) reset = this.#restart();
    this.#inode = inode;
    if (size === this.#offset) return { reset, fills: [], more: false };
    const fills: LoggedFill[] = [];
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      return { reset, fills, more: false };
    }
    try {
      if (fstatSync(fd).ino !== inode) return { reset, fills, more: false };
      const check = this.#seen.length;
      if (check > 0) {
        const got = readSync(fd, this.#buffer, 0, check, this.#offset - check);
        if (got !== check || !this.#buffer.subarray(0, check).equals(this.#seen)) reset = this.#restart();
        this.#inode = inode;
      }
      const bytes = readSync(fd, this.#buffer, 0, Math.min(this.chunkBytes, size - this.#offset), this.#offset);
      this.#offset += bytes;
      const keep = Math.min(CHECK_BYTES, this.#offset);
      if (bytes >= keep) this.#seen = Buffer.from(this.#buffer.subarray(bytes - keep, bytes));
      else this.#seen = Buffer.concat([this.#seen, this.#buffer.subarray(0, bytes)]).subarray(-keep);
      this.#consume(this.#buffer.toString('utf8', 0, bytes), fills);
      return { reset, fills, more: bytes === this.chunkBytes };
    } finally {
      closeSync(fd);
    }
  }

  /** Whether bytes remain beyond what has been read (a long log being caught up). */
  get behind(): boolean {
    try {
      return statSync(this.path).size > this.#offset;
    } catch {
      return false;
    }
  }

  #consume(text: string, fills: LoggedFill[]): void {
    const lines = (this.#partial + text).split('\n');
    this.#partial = lines.pop() ?? '';
    if (this.#partial.length > MAX_LINE_BYTES) {
      this.#partial = '';
      this.corruptLines += 1;
    }
    for (const line of lines) {
      if (line.trim() === '') continue;
      if (!parseFillLine(line, this.#fill)) {
        this.corruptLines += 1;
        continue;
      }
      this.fillCount += 1;
      this.positions.apply(this.#fill.symbol, this.#fill.side, this.#fill.quantity, this.#fill.executionPrice);
      fills.push({ ...this.#fill });
    }
  }

  #restart(): boolean {
    this.positions = new PositionBook();
    this.fillCount = 0;
    this.corruptLines = 0;
    this.#offset = 0;
    this.#inode = -1;
    this.#partial = '';
    this.#seen = Buffer.alloc(0);
    return true;
  }
}
