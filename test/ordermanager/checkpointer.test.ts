/**
 * The checkpointer writes off the order path: the periodic write returns at once (the file
 * is written and synced on the threadpool), one at a time, and the final one at stop waits
 * for it and then records the latest state. A write that fails leaves the old checkpoint and
 * no temporary file.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../../src/core/log.js';
import { encodeCheckpoint, readCheckpoint, type Checkpoint } from '../../src/ordermanager/checkpoint.js';
import { sealLine } from '../../src/ordermanager/line-checksum.js';
import { Checkpointer } from '../../src/ordermanager/checkpointer.js';
import type { OrderManager } from '../../src/ordermanager/order-manager.js';
import type { TradeLog } from '../../src/ordermanager/trade-log.js';
import { cleanupAll, tempDir } from '../helpers/resources.js';

after(cleanupAll);

/** The state a checkpoint holds, `fills` telling one snapshot from another. */
function state(fills: number): Omit<Checkpoint, 'version'> {
  return {
    tradeLog: { bytes: 0, lines: 0 },
    orderJournal: { bytes: 0, lines: 0 },
    lastExecutionNumber: String(fills),
    fills,
    positions: [],
    orderIds: Array.from({ length: 20_000 }, (_, i) => `order-${i}`),
    resting: [],
    bookSequences: [],
    reportSequences: [],
    sessionId: 'test-session',
  };
}

/** A trade log that has appended `appendedCount` records, and an order manager whose state is `fills`. */
function fakes(): { tradeLog: { appendedCount: number; path: string; orderJournalPath: string }; om: { fills: number; checkpointState(): Omit<Checkpoint, 'version'> } } {
  const om = { fills: 0, checkpointState: () => state(om.fills) };
  return { tradeLog: { appendedCount: 0, path: '', orderJournalPath: '' }, om };
}

function start(dir: string): { checkpointer: Checkpointer; tradeLog: { appendedCount: number }; om: { fills: number } } {
  const { tradeLog, om } = fakes();
  const checkpointer = new Checkpointer(join(dir, 'trades.log'), tradeLog as unknown as TradeLog, createLogger('test-checkpointer'));
  checkpointer.start(om as unknown as OrderManager);
  checkpointer.stop(); // the periodic timer is not wanted: the test calls maybeWrite itself
  return { checkpointer, tradeLog, om };
}

test('the periodic checkpoint is written off the event loop, one at a time, and the final one records the latest state', async () => {
  const dir = tempDir('checkpointer');
  const { checkpointer, tradeLog, om } = start(dir);
  tradeLog.appendedCount = 100_000; // enough to be worth a checkpoint
  om.fills = 1;
  checkpointer.maybeWrite();
  assert.equal(existsSync(checkpointer.path), false, 'maybeWrite returned before the file was written: the order path goes on');
  om.fills = 2;
  checkpointer.maybeWrite(); // one is being written: this one waits for the next period
  tradeLog.appendedCount = 100_001;
  om.fills = 3;
  await checkpointer.writeFinal();
  const read = readCheckpoint(checkpointer.path);
  assert.ok('checkpoint' in read, `the checkpoint reads back: ${JSON.stringify(read)}`);
  assert.equal(read.checkpoint.fills, 3, 'the final checkpoint holds the state at stop');
  assert.equal(checkpointer.written, 2, 'the periodic one and the final one; the one asked for while writing was skipped');
  assert.deepEqual(readdirSync(dir).filter((name) => name.includes('.tmp-')), [], 'no temporary file left');
});

test('nothing appended since the last checkpoint: the final one writes nothing', async () => {
  const dir = tempDir('checkpointer-idle');
  const { checkpointer } = start(dir);
  await checkpointer.writeFinal();
  assert.equal(existsSync(checkpointer.path), false);
  assert.equal(checkpointer.written, 0);
});

test('a checkpoint that cannot be written is logged, counts nothing and leaves no temporary file', async () => {
  const dir = tempDir('checkpointer-blocked');
  const { checkpointer, tradeLog, om } = start(dir);
  // a directory where the checkpoint goes: the temporary file is written, the rename fails
  mkdirSync(checkpointer.path);
  writeFileSync(join(checkpointer.path, 'keep'), '');
  tradeLog.appendedCount = 100_000;
  om.fills = 1;
  await checkpointer.writeFinal();
  assert.equal(checkpointer.written, 0);
  assert.deepEqual(readdirSync(dir), ['trades.log.checkpoint'], 'the temporary file was removed');
});

test('the checkpoint is encoded a slice of order ids per event-loop turn, into the same bytes as in one go', async () => {
  const checkpoint = state(7);
  checkpoint.positions = [{ symbol: 'A"B', netQuantity: 1, costBasis: 2, realizedPnl: 3, boughtQuantity: 1, soldQuantity: 0, fills: 1, lots: [[100, 1]] }];
  checkpoint.reportSequences = [['strategy', 4]];
  // a turn of the event loop between slices: the order path is served while a large window is encoded
  let turns = 0;
  let counting = true;
  const count = (): void => {
    turns++;
    if (counting) setImmediate(count);
  };
  setImmediate(count);
  const bytes = await encodeCheckpoint(checkpoint, 1_000);
  counting = false;
  assert.ok(turns >= 19, `the encoding of 20,000 ids in slices of 1,000 gave the loop back ${turns} times`);
  assert.equal(bytes.toString('utf8'), sealLine(JSON.stringify({ version: 2, ...checkpoint })));
  for (const ids of [[], ['only']]) {
    const small = { ...checkpoint, orderIds: ids };
    assert.equal((await encodeCheckpoint(small, 1_000)).toString('utf8'), sealLine(JSON.stringify({ version: 2, ...small })));
  }
});
