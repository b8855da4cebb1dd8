import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createL2Book, type L2Book } from '../../src/core/book.js';
import { ErrorCode, TradingError } from '../../src/core/errors.js';
import { setLogLevel } from '../../src/core/log.js';
import { BookWriter } from '../../src/shm/index.js';
import { LiveBook } from '../../src/shm/live-book.js';
import { collectionsPerRound } from '../helpers/gc-rounds.js';
import { cleanupAll, spawnNode, uniqueShmName, waitForExit, waitForOutput } from '../helpers/resources.js';

const PEER = fileURLToPath(new URL('./fixtures/shm-peer.js', import.meta.url));

setLogLevel('warn');
after(cleanupAll);

function bookAt(price: number, sequence: number): L2Book {
  const book = createL2Book(5);
  book.bidCount = 1;
  book.bidPrices[0] = price - 100;
  book.bidSizes[0] = 10;
  book.askCount = 1;
  book.askPrices[0] = price + 100;
  book.askSizes[0] = 20;
  book.lastPrice = price;
  book.sequence = sequence;
  return book;
}

/** Poll `condition` (running the book's checks each time) until true or 5 s pass. */
async function until(live: LiveBook, condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    live.refresh();
    if (condition()) return;
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    await sleep(10);
  }
}

describe('LiveBook', () => {
  test('stale (and empty) until the segment exists, unknown until the symbol is written, then live', () => {
    const name = uniqueShmName('live');
    const live = new LiveBook({ name });
    const out = createL2Book(5);
    try {
      assert.equal(live.attached, false);
      out.bidCount = 3;
      assert.equal(live.read('AAPL', out), 'stale', 'no segment yet: nothing to trade on');
      assert.equal(out.bidCount, 0, 'and no old levels left in out');
      assert.equal(live.updateCount('AAPL'), 0);
      assert.equal(live.hasSlot('AAPL'), false, 'no segment: no slot');

      const writer = BookWriter.create({ name, symbols: ['AAPL', 'MSFT'], depth: 5 });
      live.refresh();
      assert.equal(live.attached, true);
      assert.deepEqual(live.symbols, ['AAPL', 'MSFT']);
      assert.equal(live.writerPid, process.pid);
      assert.equal(live.read('AAPL', out), 'unknown', 'never written');
      assert.equal(live.read('NOPE', out), 'unknown', 'no slot');
      assert.equal(live.hasSlot('AAPL'), true, 'unknown, but a slot: not written yet');
      assert.equal(live.hasSlot('NOPE'), false, 'unknown for good');

      writer.setFeedConnected(true);
      writer.write(0, bookAt(1_000_000, 7));
      assert.equal(live.read('AAPL', out), 'live');
      assert.equal(out.lastPrice, 1_000_000);
      assert.equal(out.sequence, 7);
      assert.equal(live.updateCount('AAPL'), 1);
      assert.equal(live.updateCount('MSFT'), 0);
      writer.close();
      writer.unlink();
    } finally {
      live.close();
    }
    assert.equal(live.read('AAPL', out), 'stale', 'closed');
  });

  test('a lost feed and a closed writer are stale at once; a silent writer after maxAgeMs', async () => {
    const name = uniqueShmName('live');
    const writer = BookWriter.create({ name, symbols: ['AAPL'], depth: 5 });
    const live = new LiveBook({ name, maxAgeMs: 40, checkIntervalMs: 5 });
    const out = createL2Book(5);
    try {
      writer.write(0, bookAt(1_000_000, 1));
      assert.equal(live.read('AAPL', out), 'stale', 'feed never connected');
      writer.setFeedConnected(true);
      assert.equal(live.read('AAPL', out), 'live');
      writer.setFeedConnected(false);
      assert.equal(live.read('AAPL', out), 'stale', 'feed lost: no check needed');
      writer.setFeedConnected(true);
      assert.equal(live.read('AAPL', out), 'live', 'feed back: no check needed');

      // no heartbeat: the timer's check turns it stale, a heartbeat turns it live again
      await until(live, () => live.read('AAPL', out) === 'stale', 'stale after 40 ms without a heartbeat');
      writer.heartbeat();
      live.refresh();
      assert.equal(live.read('AAPL', out), 'live');

      writer.close();
      assert.equal(live.read('AAPL', out), 'stale', 'closed: no check needed');
      assert.equal(out.lastPrice, 1_000_000, 'the last book is still there');
    } finally {
      live.close();
      writer.close();
      writer.unlink();
    }
  });

  test('follows the name to a new segment after a clean stop, and counts never go back', async () => {
    const name = uniqueShmName('live');
    const first = BookWriter.create({ name, symbols: ['AAPL', 'MSFT'], depth: 5 });
    first.setFeedConnected(true);
    const live = new LiveBook({ name, checkIntervalMs: 5 });
    const out = createL2Book(5);
    try {
      for (let i = 1; i <= 3; i++) first.write(0, bookAt(1_000_000 + i, i));
      assert.equal(live.updateCount('AAPL'), 3);
      // the orderbook's stop: mark closed, unlink; a new one creates the name again
      first.close();
      first.unlink();
      live.refresh();
      assert.equal(live.read('AAPL', out), 'stale');
      assert.equal(live.attachments, 1, 'nothing to replace it with yet: the old mapping stays');

      const second = BookWriter.create({ name, symbols: ['AAPL', 'TSLA'], depth: 5 });
      try {
        await until(live, () => live.attachments === 2, 'the new segment attached');
        assert.deepEqual(live.symbols, ['AAPL', 'TSLA']);
        assert.equal(live.read('AAPL', out), 'unknown', 'not written in the new segment yet');
        assert.equal(live.updateCount('AAPL'), 3, 'no new book: the count stays');
        second.setFeedConnected(true);
        second.write(0, bookAt(2_000_000, 1));
        assert.equal(live.read('AAPL', out), 'live');
        assert.equal(out.lastPrice, 2_000_000);
        assert.equal(live.updateCount('AAPL'), 4, 'counts go on from the old segment');
        assert.equal(live.read('MSFT', out), 'unknown', 'no slot in the new segment');
      } finally {
        second.close();
        second.unlink();
      }
    } finally {
      live.close();
    }
  });

  test('survives its writer process dying and a replacement taking the name (--replace-stale)', async () => {
    const name = uniqueShmName('live');
    const child = spawnNode(PEER, ['write-book', name]);
    await waitForOutput(child, /^ready$/);
    const live = new LiveBook({ name, maxAgeMs: 60_000, checkIntervalMs: 5 });
    const out = createL2Book(5);
    try {
      assert.equal(live.writerPid, child.pid);
      assert.equal(await waitForExit(child), 0);
      // it exited without closing: only the pid check can tell (the reader caches it ≤ 250 ms)
      await until(live, () => live.read('CHILD', out) === 'stale', 'stale once the writer is gone');
      assert.equal(out.sequence, 42, 'the last book is kept');
      assert.equal(live.attachments, 1);

      const writer = BookWriter.create({ name, symbols: ['CHILD'], depth: 5, replaceStale: true });
      try {
        writer.setFeedConnected(true);
        writer.write(0, bookAt(3_000_000, 99));
        await until(live, () => live.writerPid === process.pid, 'the replacement attached');
        assert.equal(live.read('CHILD', out), 'live');
        assert.equal(out.sequence, 99);
        assert.equal(live.updateCount('CHILD'), 2, 'one write by the peer, one here');
      } finally {
        writer.close();
        writer.unlink();
      }
    } finally {
      live.close();
    }
  });

  test('bad options are refused with E_CONFIG_INVALID, all at once', () => {
    assert.throws(
      () => new LiveBook({ name: '/x', maxAgeMs: 0, checkIntervalMs: Number.NaN }),
      (err: unknown) => err instanceof TradingError && err.code === ErrorCode.CONFIG_INVALID && /maxAgeMs/.test(err.message) && /checkIntervalMs/.test(err.message),
    );
  });

  test('read and updateCount allocate nothing', async () => {
    const name = uniqueShmName('live');
    const writer = BookWriter.create({ name, symbols: ['AAPL', 'MSFT'], depth: 5 });
    writer.setFeedConnected(true);
    writer.write(0, bookAt(1_000_000, 1));
    // nothing beats the writer's heartbeat here: a slow loop on a loaded machine must not
    // outlive the book's freshness, or 'stale' is read where 'live' is asserted
    const live = new LiveBook({ name, maxAgeMs: 3_600_000 });
    const out = createL2Book(5);
    const counts = new Float64Array(1);
    const run = (reads: number): void => {
      for (let i = 0; i < reads; i++) {
        if (live.read('AAPL', out) !== 'live') throw new Error('expected a live book');
        live.read('MSFT', out);
        counts[0] += live.updateCount('AAPL');
      }
    };
    let perRound: number[];
    try {
      perRound = await collectionsPerRound(run);
    } finally {
      live.close();
      writer.close();
      writer.unlink();
    }
    assert.equal(perRound.at(-1), 0, `collections per round of 200k reads: ${perRound.join(', ')}`);
  });
});
