/**
 * A journal file of JSON lines, at the level of bytes: open for appending (durably
 * created), scan it back line by line in bounded memory, and append a batch durably.
 * Formats and policy live in the callers (trade-log.ts).
 */
import { closeSync, fdatasync, fdatasyncSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ErrorCode, TradingError } from '../core/errors.js';
import { checkLineSeal } from './line-checksum.js';

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
  /** Lines refused: a bad checksum, an unsealed line after a sealed one, `onLine` said no, or too long. */
  corruptLines: number;
  corruptLineNumbers: number[];
  /** Corrupt lines other than a torn last line: recovery refuses to start over these. */
  corruptBeforeTail: number;
  /** Lines without a checksum (written before checksums), accepted before the first sealed line. */
  unsealedLines: number;
  /** The file did not end with a newline. */
  tornTail: boolean;
  /** Bytes of that last line without a newline (0 when the file ends with one). */
  tailBytes: number;
  /** That last line was not a valid record. */
  tailCorrupt: boolean;
  /** Size of the file (where the scan ended). */
  bytes: number;
  /** Line number of the last line (counting from the file's start). */
  lines: number;
}

export type CorruptReason = 'checksum' | 'unsealed' | 'invalid' | 'too-long';

export interface CorruptLine {
  /** The text of the line ('' for an over-long one). */
  text: string;
  lineNumber: number;
  reason: CorruptReason;
  /** The last line of the file, without its newline: a write torn by a crash. */
  tail: boolean;
}

/**
 * Read `fd` from the start in chunks and hand each non-empty line (without its newline)
 * whose checksum holds (line-checksum.ts) to `onLine` (with its line number and the byte
 * offset where it starts), which says whether it was a valid record; `onCorrupt` hears the
 * others. A final line without a newline is offered like any other: a complete record that
 * only lost its newline is still a record.
 */
export function scanJournalLines(
  fd: number,
  onLine: (line: string, lineNumber: number, offset: number) => boolean,
  onCorrupt: (corrupt: CorruptLine) => void,
  from: { bytes: number; lines: number } = { bytes: 0, lines: 0 },
): ScanResult {
  const result: ScanResult = {
    records: 0,
    corruptLines: 0,
    corruptLineNumbers: [],
    corruptBeforeTail: 0,
    unsealedLines: 0,
    tornTail: false,
    tailBytes: 0,
    tailCorrupt: false,
    bytes: 0,
    lines: 0,
  };
  let lineNumber = from.lines;
  // from a checkpoint: what came before was accepted, sealed lines included (a file with
  // none sealed before this point keeps its old lines' leniency only if none follow)
  let sawSealed = from.bytes > 0;
  const corrupt = (text: string, reason: CorruptReason, tail: boolean): void => {
    result.corruptLines++;
    if (tail) result.tailCorrupt = true;
    else result.corruptBeforeTail++;
    if (result.corruptLineNumbers.length < MAX_REPORTED_LINE_NUMBERS) result.corruptLineNumbers.push(lineNumber);
    onCorrupt({ text, lineNumber, reason, tail });
  };
  const handle = (bytes: Buffer, start: number, end: number, tail: boolean, offset: number): void => {
    lineNumber++;
    if (end === start) return; // an empty line is nothing, not corruption
    const seal = checkLineSeal(bytes, start, end);
    if (seal === 'bad') return corrupt(bytes.toString('utf8', start, end), 'checksum', tail);
    if (seal === 'unsealed') {
      if (sawSealed) return corrupt(bytes.toString('utf8', start, end), 'unsealed', tail);
      result.unsealedLines++;
    } else {
      sawSealed = true;
    }
    const line = bytes.toString('utf8', start, end);
    if (onLine(line, lineNumber, offset)) result.records++;
    else corrupt(line, 'invalid', tail);
  };

  const chunk = Buffer.allocUnsafe(READ_CHUNK_BYTES);
  let carry = Buffer.alloc(0); // the unfinished line from previous chunks
  let carryOffset = 0; // where that line starts in the file
  let oversized = false; // inside a line already longer than MAX_LINE_BYTES
  let position = from.bytes;
  let lastByte = NEWLINE;
  for (;;) {
    const read = readSync(fd, chunk, 0, chunk.length, position);
    if (read === 0) break;
    const chunkOffset = position;
    position += read;
    lastByte = chunk[read - 1] as number;
    let start = 0;
    for (let newline = chunk.indexOf(NEWLINE, 0); newline !== -1 && newline < read; newline = chunk.indexOf(NEWLINE, start)) {
      if (oversized) {
        lineNumber++;
        corrupt('', 'too-long', false);
        oversized = false;
      } else if (carry.length > 0) {
        const whole = Buffer.concat([carry, chunk.subarray(start, newline)]);
        carry = Buffer.alloc(0);
        handle(whole, 0, whole.length, false, carryOffset);
      } else {
        handle(chunk, start, newline, false, chunkOffset + start);
      }
      start = newline + 1;
    }
    if (start < read && !oversized) {
      if (carry.length === 0) carryOffset = chunkOffset + start;
      carry = Buffer.concat([carry, chunk.subarray(start, read)]);
      if (carry.length > MAX_LINE_BYTES) {
        oversized = true;
        carry = Buffer.alloc(0);
      }
    }
  }
  if (oversized) {
    lineNumber++;
    corrupt('', 'too-long', true);
    result.tailBytes = position - 1 - chunkLastNewline(fd, position);
  } else if (carry.length > 0) {
    result.tailBytes = carry.length;
    handle(carry, 0, carry.length, true, carryOffset);
  }
  result.bytes = position;
  result.lines = lineNumber;
  result.tornTail = lastByte !== NEWLINE;
  return result;
}

/** Bytes after the last newline of the file (size `size`), read backwards. */
function chunkLastNewline(fd: number, size: number): number {
  const chunk = Buffer.allocUnsafe(64 * 1024);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const read = readSync(fd, chunk, 0, end - start, start);
    const at = chunk.subarray(0, read).lastIndexOf(NEWLINE);
    if (at !== -1) return start + at;
    end = start;
  }
  return -1;
}

/** How far back findLastRecord reads at most: far more than a few lines, little to read. */
const MAX_BACKWARD_BYTES = 1024 * 1024;

/**
 * The last line of `fd` at or after byte `from` whose checksum holds (or that has none) and
 * that `isRecord` accepts, read backwards from the end: its text; null when no line of that
 * range is one; undefined when none was found in the last `maxBytes` and the range is longer.
 */
export function findLastRecord(fd: number, from: number, isRecord: (line: string) => boolean, maxBytes = MAX_BACKWARD_BYTES): string | null | undefined {
  const size = fstatSync(fd).size;
  const start = Math.max(from, size - maxBytes);
  if (size <= start) return null;
  const bytes = Buffer.allocUnsafe(size - start);
  let read = 0;
  while (read < bytes.length) {
    const got = readSync(fd, bytes, read, bytes.length - read, start + read);
    if (got === 0) break;
    read += got;
  }
  let end = read;
  while (end > 0) {
    const newline = bytes.lastIndexOf(NEWLINE, end - 1);
    // the first line read may have begun before `start`: it is not judged from a part
    if (newline === -1 && start > from) return undefined;
    const lineStart = newline + 1;
    if (end > lineStart && checkLineSeal(bytes, lineStart, end) !== 'bad') {
      const line = bytes.toString('utf8', lineStart, end);
      if (isRecord(line)) return line;
    }
    if (newline === -1) break;
    end = newline;
  }
  return null;
}

/**
 * Move the bytes of the file from `offset` (a line's start) to its end (`size`) into
 * `badPath` (appended, for whoever wants to look), then cut the file back to `offset`;
 * both synced.
 */
export function moveTailAside(fd: number, offset: number, size: number, badPath: string): void {
  if (size <= offset) return;
  const chunk = Buffer.allocUnsafe(Math.min(size - offset, READ_CHUNK_BYTES));
  const badFd = openSync(badPath, 'a', 0o640);
  try {
    let last = NEWLINE;
    for (let at = offset; at < size; ) {
      const read = readSync(fd, chunk, 0, Math.min(chunk.length, size - at), at);
      if (read === 0) break;
      writeAll(badFd, chunk.subarray(0, read));
      last = chunk[read - 1] as number;
      at += read;
    }
    if (last !== NEWLINE) writeAll(badFd, Buffer.from('\n'));
    fsyncSync(badFd);
  } finally {
    closeSync(badFd);
  }
  ftruncateSync(fd, offset);
  fsyncSync(fd);
}

/**
 * Cut a torn last line off the file (it was never durable: a record's newline is written
 * with it), keeping its bytes in `badPath` for whoever wants to look; so that later
 * appends never leave it in the middle, where it would refuse the next start.
 */
export function cutTornTail(fd: number, size: number, tailBytes: number, badPath: string): void {
  if (tailBytes <= 0) return;
  const tail = Buffer.allocUnsafe(Math.min(tailBytes, MAX_LINE_BYTES));
  const read = readSync(fd, tail, 0, tail.length, size - tailBytes);
  const badFd = openSync(badPath, 'a', 0o640);
  try {
    writeAll(badFd, Buffer.concat([tail.subarray(0, read), Buffer.from('\n')]));
    fsyncSync(badFd);
  } finally {
    closeSync(badFd);
  }
  ftruncateSync(fd, size - tailBytes);
  fsyncSync(fd);
}

/** Words for a failed write or sync: what an operator can act on. */
export function describeDiskError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOSPC':
      return 'disk full (ENOSPC)';
    case 'EDQUOT':
      return 'disk quota exceeded (EDQUOT)';
    case 'EIO':
      return 'I/O error (EIO)';
    case 'EROFS':
      return 'read-only file system (EROFS)';
    default:
      return `${error.code ?? 'error'}: ${error.message}`;
  }
}

/** Bytes the start probe writes and syncs: a page, as a first append would need. */
const PROBE_BYTES = 4096;

/**
 * Can a journal beside `path` append and sync? Write a page to a probe file in the same
 * directory, fdatasync it, remove it. Throws E_TRADE_LOG_UNAVAILABLE naming the problem
 * (a full disk, an I/O error), so that the order manager never says ready on a disk where
 * its first fill would fail. A missing directory is left to the open that follows.
 */
export function checkDiskWritable(path: string): void {
  const probe = `${path}.probe-${process.pid}`;
  let fd: number | undefined;
  try {
    fd = openSync(probe, 'w', 0o600);
    writeAll(fd, Buffer.alloc(PROBE_BYTES));
    fdatasyncSync(fd);
  } catch (err) {
    const error = err as NodeJS.ErrnoException;
    if (fd === undefined && (error.code === 'ENOENT' || error.code === 'EACCES' || error.code === 'ENOTDIR')) return;
    throw new TradingError(ErrorCode.TRADE_LOG_UNAVAILABLE, `trade log: ${describeDiskError(error)} in the directory of ${path}: cannot append and sync`, {
      cause: err,
    });
  } finally {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(probe);
    } catch {
      // never created
    }
  }
}

/** Words for a corrupt line's reason, for errors and logs. */
export function describeCorruptReason(reason: CorruptReason): string {
  switch (reason) {
    case 'checksum':
      return 'its checksum does not match its bytes';
    case 'unsealed':
      return 'it has no checksum, after lines that have one';
    case 'too-long':
      return 'it is too long to be a record';
    default:
      return 'it is not a valid record';
  }
}

/**
 * Move every line of `path` that is not a valid record (as `scanJournalLines` and
 * `isRecord` judge, a torn last line included) into `badPath` (appended), leaving the
 * good lines in order. The file is rewritten beside itself and renamed over the old one,
 * both files synced first, so a crash in the middle leaves either the old file or the new
 * one. Returns how many lines moved (0: nothing was rewritten).
 */
export function repairJournalFile(path: string, badPath: string, isRecord: (line: string) => boolean, onBad: (text: string) => void = () => undefined): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  const good: string[] = [];
  const bad: string[] = [];
  let goodBytes = 0;
  const tmpPath = `${path}.repair-${process.pid}`;
  let out: number | undefined;
  const flushGood = (): void => {
    if (good.length === 0) return;
    out ??= openSync(tmpPath, 'w', 0o640);
    writeAll(out, Buffer.from(good.join('')));
    good.length = 0;
    goodBytes = 0;
  };
  try {
    scanJournalLines(
      fd,
      (line) => {
        if (!isRecord(line)) return false;
        good.push(line + '\n');
        goodBytes += line.length;
        if (goodBytes > READ_CHUNK_BYTES) flushGood();
        return true;
      },
      (corrupt) => {
        bad.push(`${corrupt.text}\n`);
        onBad(corrupt.text);
      },
    );
  } finally {
    closeSync(fd);
  }
  if (bad.length === 0) {
    if (out !== undefined) {
      closeSync(out);
      unlinkSync(tmpPath);
    }
    return 0;
  }
  out ??= openSync(tmpPath, 'w', 0o640);
  flushGood();
  fsyncSync(out);
  closeSync(out);
  const badFd = openSync(badPath, 'a', 0o640);
  try {
    writeAll(badFd, Buffer.from(bad.join('')));
    fsyncSync(badFd);
  } finally {
    closeSync(badFd);
  }
  renameSync(tmpPath, path);
  syncDirectory(dirname(path));
  return bad.length;
}

function writeAll(fd: number, bytes: Buffer): void {
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset, null);
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
