/**
 * A journal file of JSON lines, at the level of bytes: open for appending (durably
 * created), scan it back line by line in bounded memory, and append a batch durably.
 * Formats and policy live in the callers (trade-log.ts).
 */
import { closeSync, fdatasync, fdatasyncSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ErrorCode, TradingError } from '../core/errors.js';

const READ_CHUNK_BYTES = 1024 * 1024;
/** A "line" longer than this is corruption (ours are a few hundred bytes); it is skipped, not buffered. */
const MAX_LINE_BYTES = 64 * 1024;
const MAX_REPORTED_LINE_NUMBERS = 10;
const NEWLINE = 0x0a;

/**
 * Open (creating if needed) `path` for reading and appending, and make its directory
 * entry durable: fdatasync covers a file's data, not its name, so without this a log
 * created just before a crash could vanish with everything in it. Throws
 * E_TRADE_LOG_UNWRITABLE (missing directory, no permission, a directory, read-only FS).
 */
export function openJournalFile(path: string, mode: number, label: string): number {
  let fd: number;
  try {
    fd = openSync(path, 'a+', mode);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new TradingError(ErrorCode.TRADE_LOG_UNWRITABLE, `cannot open ${label} ${path} for appending (${reason})`, { cause: err });
  }
  try {
    if (!fstatSync(fd).isFile()) throw new TradingError(ErrorCode.TRADE_LOG_UNWRITABLE, `${label} ${path} is not a regular file`);
    syncDirectory(dirname(path));
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  return fd;
}

function syncDirectory(directory: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(directory, 'r');
    fsyncSync(fd);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new TradingError(ErrorCode.TRADE_LOG_UNWRITABLE, `cannot sync the directory ${directory} (${reason})`, { cause: err });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export interface ScanResult {
  /** Lines `onLine` accepted. */
  records: number;
  /** Lines `onLine` refused, or too long to be a record. */
  corruptLines: number;
  corruptLineNumbers: number[];
  /** The file did not end with a newline. */
  tornTail: boolean;
  bytes: number;
}

/**
 * Read `fd` from the start in chunks and hand each non-empty line (without its newline)
 * to `onLine`, which says whether it was a valid record; `onCorrupt` hears the others
 * ('' for an over-long line). A final line without a newline is offered like any other:
 * a complete record that only lost its newline is still a record.
 */
export function scanJournalLines(fd: number, onLine: (line: string) => boolean, onCorrupt: (line: string) => void): ScanResult {
  const result: ScanResult = { records: 0, corruptLines: 0, corruptLineNumbers: [], tornTail: false, bytes: 0 };
  let lineNumber = 0;
  const corrupt = (line: string): void => {
    result.corruptLines++;
    if (result.corruptLineNumbers.length < MAX_REPORTED_LINE_NUMBERS) result.corruptLineNumbers.push(lineNumber);
    onCorrupt(line);
  };
  const handle = (bytes: Buffer, start: number, end: number): void => {
    lineNumber++;
    if (end === start) return; // an empty line is nothing, not corruption
    const line = bytes.toString('utf8', start, end);
    if (onLine(line)) result.records++;
    else corrupt(line);
  };

  const chunk = Buffer.allocUnsafe(READ_CHUNK_BYTES);
  let carry = Buffer.alloc(0); // the unfinished line from previous chunks
  let oversized = false; // inside a line already longer than MAX_LINE_BYTES
  let position = 0;
  let lastByte = NEWLINE;
  for (;;) {
    const read = readSync(fd, chunk, 0, chunk.length, position);
    if (read === 0) break;
    position += read;
    lastByte = chunk[read - 1] as number;
    let start = 0;
    for (let newline = chunk.indexOf(NEWLINE, 0); newline !== -1 && newline < read; newline = chunk.indexOf(NEWLINE, start)) {
      if (oversized) {
        lineNumber++;
        corrupt('');
        oversized = false;
      } else if (carry.length > 0) {
        const whole = Buffer.concat([carry, chunk.subarray(start, newline)]);
        carry = Buffer.alloc(0);
        handle(whole, 0, whole.length);
      } else {
        handle(chunk, start, newline);
      }
      start = newline + 1;
    }
    if (start < read && !oversized) {
      carry = Buffer.concat([carry, chunk.subarray(start, read)]);
      if (carry.length > MAX_LINE_BYTES) {
        oversized = true;
        carry = Buffer.alloc(0);
      }
    }
  }
  if (oversized) {
    lineNumber++;
    corrupt('');
  } else if (carry.length > 0) {
    handle(carry, 0, carry.length);
  }
  result.bytes = position;
  result.tornTail = lastByte !== NEWLINE;
  return result;
}

/**
 * Write all of `bytes` (appending), then fdatasync; `done` once both finished or either
 * failed (always asynchronously).
 *
 * The write is done from this thread: it only copies into the page cache (tens of µs even
 * for a large batch), while a threadpool round trip costs a thread wakeup each way, which
 * on a busy machine is the larger part of an isolated order's ack. Only fdatasync, which
 * waits for the device, goes to the threadpool: one round trip per commit instead of two.
 */
export function appendDurably(fd: number, bytes: Buffer, done: (error: NodeJS.ErrnoException | null, operation: string) => void): void {
  let offset = 0;
  try {
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset, null);
  } catch (error) {
    process.nextTick(done, error as NodeJS.ErrnoException, 'write');
    return;
  }
  fdatasync(fd, (syncError) => done(syncError, 'fdatasync'));
}

export interface SyncAppendFailure {
  error: NodeJS.ErrnoException;
  operation: 'write' | 'fdatasync';
}

/**
 * appendDurably without the threadpool: write, then fdatasync, both on this thread; returns
 * undefined once the bytes are durable, or what failed. It blocks the event loop for the
 * device's sync time (about 250-300 µs on the machine this was measured on), but saves the
 * threadpool round trip (a worker wakeup there and an event-loop wakeup back, about 40-50
 * µs at the median and much more in the tail when the machine is busy). For an isolated
 * small commit nothing else is waiting, so that is a pure gain; under load the blocked
 * intake would cost throughput, so the caller keeps this for small batches.
 */
export function appendDurablySync(fd: number, bytes: Buffer): SyncAppendFailure | undefined {
  let offset = 0;
  try {
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset, null);
  } catch (error) {
    return { error: error as NodeJS.ErrnoException, operation: 'write' };
  }
  try {
    fdatasyncSync(fd);
  } catch (error) {
    return { error: error as NodeJS.ErrnoException, operation: 'fdatasync' };
  }
  return undefined;
}
