/**
 * The order manager's checkpoint: its state at a durable point of the journal, so that a
 * start replays only what came after instead of the whole history (start time flat in
 * the number of orders ever handled).
 *
 *   PATH.checkpoint   one JSON line, sealed with its CRC-32C like a journal line:
 *   {"version":1,"tradeLog":{"bytes":…,"lines":…},"orderJournal":{…},"lastExecutionNumber":"…",
 *    "positions":[…],"orderIds":[…],"resting":[…],"bookSequences":[…],"fills":…}
 *
 * It is written beside the log (tmp file, fsync, rename, fsync of the directory), only
 * when everything appended is durable, so its byte offsets are the ends of whole lines and
 * everything before them is exactly its state. A start uses it only if the log still has
 * at least those bytes and a newline just before each offset; otherwise (a log replaced,
 * repaired or cut) it replays the whole log and says so.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SEAL_BYTES, checkLineSeal, sealLineInPlace } from './line-checksum.js';

export const CHECKPOINT_SUFFIX = '.checkpoint';
/** 2: the per-identity report sequences and the journal's session id (report-numbering.ts). */
const VERSION = 2;

export interface JournalPoint {
  bytes: number;
  lines: number;
}

export interface PositionState {
  symbol: string;
  netQuantity: number;
  costBasis: number;
  realizedPnl: number;
  boughtQuantity: number;
  soldQuantity: number;
  fills: number;
  /** Open lots, oldest first: [price units, quantity]. */
  lots: [number, number][];
}

export interface RestingOrderState {
  orderId: string;
  client: string;
  symbol: string;
  side: number;
  orderType: number;
  timeInForce: number;
  price: number;
  quantity: number;
  filled: number;
  notional: number;
  tickSentNs: number;
  orderSentNs: number;
  /** Absent in checkpoints written before it was kept. */
  receivedNs?: number;
}

export interface Checkpoint {
  version: number;
  tradeLog: JournalPoint;
  orderJournal: JournalPoint;
  /** A bigint as decimal text. */
  lastExecutionNumber: string;
  /** Fills before this point (the trade log's unique lines). */
  fills: number;
  positions: PositionState[];
  /** The order-id window, oldest first. */
  orderIds: string[];
  resting: RestingOrderState[];
  /** Per symbol, the book sequence of the last fill. */
  bookSequences: [string, number][];
  /** Per identity, the sequence of its last report. */
  reportSequences: [string, number][];
  /** The journal's session id. */
  sessionId: string;
}

/**
 * Write it beside the log: a temporary file, synced, renamed over the old one, and the
 * directory synced. On the threadpool, and encoded in slices (encodeCheckpoint), so that the
 * order manager's event loop goes on serving orders meanwhile. Measured with per-order
 * stamps: written and synced on the threadpool but encoded in one go, a 20,000-id
 * checkpoint still held the loop 7.5-9 ms (the window's copy and the JSON's encoding and
 * checksum), and the orders that arrived meanwhile waited that long for their acks. The
 * state must not change until the returned promise settles (checkpointOf's is a copy).
 */
export async function writeCheckpointAsync(path: string, checkpoint: Omit<Checkpoint, 'version'>): Promise<void> {
  const bytes = await encodeCheckpoint(checkpoint);
  const tmp = tmpPath(path);
  try {
    const file = await open(tmp, 'w', 0o640);
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw error;
  }
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** Order ids encoded per event-loop turn: well under a millisecond each. */
const IDS_PER_SLICE = 2_048;

/**
 * The checkpoint's sealed line (newline included), the order-id window encoded
 * `idsPerSlice` at a time with the event loop given back between slices (setImmediate):
 * the window is by far the largest part (20,000 ids by default, up to --order-id-window).
 * The same bytes as one JSON.stringify of the whole state, sealed.
 */
export async function encodeCheckpoint(checkpoint: Omit<Checkpoint, 'version'>, idsPerSlice = IDS_PER_SLICE): Promise<Buffer> {
  const ids = checkpoint.orderIds;
  // the rest is small (positions, resting orders, sequences): one go; the window's place is kept
  const text = JSON.stringify({ version: VERSION, ...checkpoint, orderIds: [] });
  const marker = '"orderIds":[]';
  const at = text.indexOf(marker) + marker.length - 1;
  const parts: string[] = [text.slice(0, at)];
  for (let from = 0; from < ids.length; from += idsPerSlice) {
    if (from > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const slice = JSON.stringify(ids.slice(from, from + idsPerSlice));
    parts.push(from === 0 ? slice.slice(1, -1) : `,${slice.slice(1, -1)}`);
  }
  parts.push(`${text.slice(at)}\n`);
  const body = parts.join('');
  const buffer = Buffer.allocUnsafe(Buffer.byteLength(body) + SEAL_BYTES);
  const end = buffer.write(body, 0, 'utf8');
  return buffer.subarray(0, sealLineInPlace(buffer, 0, end));
}

/** Each write its own temporary file, so a final write never truncates one still being written. */
let tmpCount = 0;
function tmpPath(path: string): string {
  tmpCount += 1;
  return `${path}.tmp-${process.pid}-${tmpCount}`;
}

/** The checkpoint at `path`, or why there is none to use (missing, damaged, another version). */
export function readCheckpoint(path: string): { checkpoint: Checkpoint } | { reason: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    return { reason: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'none' : `unreadable (${(err as NodeJS.ErrnoException).code})` };
  }
  const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0a ? bytes.length - 1 : bytes.length;
  if (checkLineSeal(bytes, 0, end) !== 'sealed') return { reason: 'its checksum does not match' };
  try {
    const parsed = JSON.parse(bytes.toString('utf8', 0, end)) as Checkpoint;
    if (parsed.version !== VERSION) return { reason: `version ${String(parsed.version)}, not ${VERSION}` };
    return { checkpoint: parsed };
  } catch (err) {
    return { reason: `not JSON (${(err as Error).message})` };
  }
}

/** The file at `path` has at least `point.bytes` bytes and a newline just before them. */
export function journalReaches(path: string, point: JournalPoint): boolean {
  if (point.bytes === 0) return true;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    const byte = Buffer.alloc(1);
    return readSync(fd, byte, 0, 1, point.bytes - 1) === 1 && byte[0] === 0x0a;
  } finally {
    closeSync(fd);
  }
}
