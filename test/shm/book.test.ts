import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createL2Book, type L2Book } from '../../src/core/book.js';
import { ErrorCode, TradingError } from '../../src/core/errors.js';
import {
  COPY_SEQUENCE_OFFSET,
  DEPTH_OFFSET,
  LAYOUT_VERSION_OFFSET,
  MAGIC_OFFSET,
  SEGMENT_BYTES_OFFSET,
  computeLayout,
  copyOffset,
} from '../../src/shm/layout.js';
import { BookReader, BookWriter, closeSegment, createSegment, openSegment, unlinkSegment } from '../../src/shm/index.js';
import { fillBook, ladder } from '../helpers/books.js';
import { cleanupAll, spawnNode, uniqueShmName, waitForExit, waitForOutput } from '../helpers/resources.js';
import { checkSnapshot, fillSnapshot } from './fixtures/snapshot.js';

const PEER = fileURLToPath(new URL('./fixtures/shm-peer.js', import.meta.url));

after(cleanupAll);

function sampleBook(levels: number, base: number, capacity = levels): L2Book {
  return fillBook(createL2Book(capacity), {
    bids: ladder(levels, base - 100, -100, (i) => 10 * (i + 1)),
    asks: ladder(levels, base + 100, 100, (i) => 20 * (i + 1)),
    lastPrice: base,
    volume: 123_456,
    timestamp: 1_764_000_000.25,
    sequence: 77,
    sentNs: 9_876_543_210,
  });
}

function assertCode(fn: () => unknown, code: ErrorCode, pattern?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof TradingError, `expected a TradingError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (pattern !== undefined) assert.match(err.message, pattern);
    return true;
  });
}

/** A writer and a reader on a fresh segment; both closed and the segment unlinked by `done`. */
function pair(symbols = ['AAPL', 'MSFT', 'BRK.B'], depth = 10): { writer: BookWriter; reader: BookReader; done: () => void } {
  const name = uniqueShmName('book');
  const writer = BookWriter.create({ name, symbols, depth });
  const reader = BookReader.open(name);
  return {
    writer,
    reader,
    done: () => {
      reader.close();
      writer.close();
      writer.unlink();
    },
  };
}

describe('book segment', () => {
  test('a snapshot written is read back whole, per symbol', () => {
    const { writer, reader, done } = pair();
    assert.deepEqual(reader.symbols, ['AAPL', 'MSFT', 'BRK.B']);
    assert.equal(reader.depth, 10);
    assert.equal(reader.indexOf('MSFT'), 1);
    assert.equal(reader.indexOf('NOPE'), -1);
    assert.equal(writer.indexOf('BRK.B'), 2);
    const written = sampleBook(10, 1_895_000);
    writer.write(1, written);
    const out = createL2Book(10);
    assert.equal(reader.read(1, out), true);
    assert.deepEqual(out, written);
    assert.equal(reader.bestBid(1), 1_894_900);
    assert.equal(reader.bestAsk(1), 1_895_100);
    assert.equal(reader.updateCount(1), 1);
    assert.equal(reader.updateCount(0), 0, 'other slots untouched');
    done();
  });

  test('a slot never written reads false and leaves the book untouched', () => {
    const { reader, done } = pair();
    const out = sampleBook(3, 500);
    const before = structuredClone(out);
    assert.equal(reader.read(0, out), false);
    assert.deepEqual(out, before);
    assert.ok(Number.isNaN(reader.bestBid(0)));
    assert.ok(Number.isNaN(reader.bestAsk(0)));
    done();
  });

  test('every write replaces the previous one (both copies in turn)', () => {
    const { writer, reader, done } = pair(['X'], 5);
    const book = createL2Book(5);
    const out = createL2Book(5);
    for (let n = 1; n <= 50; n++) {
      fillSnapshot(book, n);
      writer.write(0, book);
      assert.equal(reader.read(0, out), true);
      assert.equal(checkSnapshot(out), null);
      assert.equal(out.sequence, n);
      assert.equal(reader.updateCount(0), n);
      assert.equal(writer.updateCount(0), n);
    }
    done();
  });

  test('an empty side has no best price', () => {
    const { writer, reader, done } = pair();
    const book = sampleBook(3, 1000);
    book.askCount = 0;
    writer.write(0, book);
    assert.equal(reader.bestBid(0), 900);
    assert.ok(Number.isNaN(reader.bestAsk(0)));
    done();
  });

  test('levels beyond the segment depth, or the reader book capacity, are cut', () => {
    const { writer, reader, done } = pair(['DEEP'], 10);
    writer.write(0, sampleBook(15, 10_000, 20));
    const wide = createL2Book(20);
    assert.equal(reader.read(0, wide), true);
    assert.equal(wide.bidCount, 10);
    assert.equal(wide.askCount, 10);
    assert.deepEqual(Array.from(wide.bidPrices.subarray(0, 10)), Array.from(sampleBook(10, 10_000).bidPrices));
    const narrow = createL2Book(4);
    assert.equal(reader.read(0, narrow), true);
    assert.equal(narrow.bidCount, 4);
    assert.deepEqual(Array.from(narrow.askPrices), [10_100, 10_200, 10_300, 10_400]);
    done();
  });

  test('sequences wrap around 2^32 without breaking reads', () => {
    const name = uniqueShmName('wrap');
    const writer = BookWriter.create({ name, symbols: ['WRAP'], depth: 4 });
    const reader = BookReader.open(name);
    // Put both copies' sequences just below the wrap (even, as between writes).
    const raw = openSegment(name);
    const words = new Uint32Array(raw);
    const layout = computeLayout(4, 1);
    for (const copy of [0, 1]) Atomics.store(words, (copyOffset(layout, 0, copy) + COPY_SEQUENCE_OFFSET) >>> 2, 0xffff_fffe);
    const book = createL2Book(4);
    const out = createL2Book(4);
    for (let n = 1; n <= 6; n++) {
      fillSnapshot(book, n);
      writer.write(0, book);
      assert.equal(reader.read(0, out), true, `read after write ${n}`);
      assert.equal(out.sequence, n);
    }
    const sequence = Atomics.load(words, (copyOffset(layout, 0, 0) + COPY_SEQUENCE_OFFSET) >>> 2);
    assert.ok(sequence < 16 && sequence % 2 === 0, `copy 0 sequence wrapped to ${sequence}`);
    closeSegment(raw);
    reader.close();
    writer.close();
    writer.unlink();
  });

  test('bad symbols, duplicates and depths are refused', () => {
    const name = uniqueShmName('badsym');
    assertCode(() => BookWriter.create({ name, symbols: [] }), ErrorCode.SHM_INVALID, /no symbols/);
    assertCode(() => BookWriter.create({ name, symbols: ['aapl'] }), ErrorCode.SHM_INVALID, /invalid symbol/);
    assertCode(() => BookWriter.create({ name, symbols: ['TOOLONGSYM'] }), ErrorCode.SHM_INVALID, /invalid symbol/);
    assertCode(() => BookWriter.create({ name, symbols: ['A', 'A'] }), ErrorCode.SHM_INVALID, /duplicate symbol A/);
    assertCode(() => BookWriter.create({ name, symbols: ['A'], depth: 0 }), ErrorCode.SHM_INVALID, /depth/);
    assertCode(() => BookWriter.create({ name, symbols: ['A'], depth: 33 }), ErrorCode.SHM_INVALID, /depth/);
    assert.throws(() => openSegment(name), /ENOENT/, 'nothing was created');
  });

  test('a bad slot index and a closed writer or reader are programming errors', () => {
    const { writer, reader, done } = pair(['ONE']);
    const book = sampleBook(1, 100);
    assert.throws(() => writer.write(1, book), { code: 'E_INTERNAL' });
    assert.throws(() => writer.write(-1, book), { code: 'E_INTERNAL' });
    assert.throws(() => writer.write(0.5, book), { code: 'E_INTERNAL' });
    assert.throws(() => reader.read(1, book), { code: 'E_INTERNAL' });
    done();
    assertCode(() => writer.write(0, book), ErrorCode.SHM_INVALID, /closed/);
    assertCode(() => reader.read(0, book), ErrorCode.SHM_INVALID, /closed/);
    writer.close();
    reader.close();
    writer.unlink();
  });

  test('creating a book over an existing name fails with E_SHM_EXISTS', () => {
    const { writer, done } = pair();
    assertCode(() => BookWriter.create({ name: writer.name, symbols: ['A'] }), ErrorCode.SHM_EXISTS);
    assertCode(() => BookWriter.create({ name: writer.name, symbols: ['A'], replaceStale: true }), ErrorCode.SHM_EXISTS);
    done();
  });
});

describe('book segment validation', () => {
  test('a segment that is not a book is a layout mismatch', () => {
    const name = uniqueShmName('notbook');
    const buffer = createSegment(name, 4096);
    new Uint32Array(buffer)[0] = 0x1234_5678;
    assertCode(() => BookReader.open(name), ErrorCode.SHM_LAYOUT_MISMATCH, /not a book segment \(magic 0x12345678/);
    closeSegment(buffer);
    unlinkSegment(name);
  });

  test('a segment whose header is not written yet is not ready (retryable)', () => {
    const name = uniqueShmName('notready');
    const buffer = createSegment(name, 4096);
    assertCode(() => BookReader.open(name), ErrorCode.SHM_NOT_READY);
    closeSegment(buffer);
    unlinkSegment(name);
  });

  test('a segment too small for a header is a layout mismatch', () => {
    const name = uniqueShmName('tiny');
    const buffer = createSegment(name, 24);
    assertCode(() => BookReader.open(name), ErrorCode.SHM_LAYOUT_MISMATCH, /24 bytes/);
    closeSegment(buffer);
    unlinkSegment(name);
  });

  test('another layout version, another depth, or a corrupt header is a layout mismatch', () => {
    const { writer, reader, done } = pair(['A'], 10);
    const raw = openSegment(writer.name);
    const words = new Uint32Array(raw);
    assertCode(() => BookReader.open(writer.name, { depth: 5 }), ErrorCode.SHM_LAYOUT_MISMATCH, /depth 10, but 5 was expected/);

    const version = words[LAYOUT_VERSION_OFFSET >>> 2];
    words[LAYOUT_VERSION_OFFSET >>> 2] = version + 1;
    assertCode(() => BookReader.open(writer.name), ErrorCode.SHM_LAYOUT_MISMATCH, new RegExp(`layout version ${version + 1}`));
    words[LAYOUT_VERSION_OFFSET >>> 2] = version;

    words[DEPTH_OFFSET >>> 2] = 12; // the recorded sizes no longer match the depth
    assertCode(() => BookReader.open(writer.name), ErrorCode.SHM_LAYOUT_MISMATCH, /header says/);
    words[DEPTH_OFFSET >>> 2] = 99;
    assertCode(() => BookReader.open(writer.name), ErrorCode.SHM_LAYOUT_MISMATCH, /corrupt header/);
    words[DEPTH_OFFSET >>> 2] = 10;

    words[SEGMENT_BYTES_OFFSET >>> 2] += 64;
    assertCode(() => BookReader.open(writer.name), ErrorCode.SHM_LAYOUT_MISMATCH, /header says/);
    words[SEGMENT_BYTES_OFFSET >>> 2] -= 64;

    const magic = words[MAGIC_OFFSET >>> 2];
    words[MAGIC_OFFSET >>> 2] = magic ^ 1;
    assertCode(() => BookReader.open(writer.name), ErrorCode.SHM_LAYOUT_MISMATCH, /not a book segment/);
    words[MAGIC_OFFSET >>> 2] = magic;

    BookReader.open(writer.name).close(); // restored: valid again
    closeSegment(raw);
    assert.equal(reader.closed, false);
    done();
  });
});

describe('book staleness', () => {
  test('feed status, heartbeat age and a closed writer make a book stale', async () => {
    const { writer, reader, done } = pair(['LIVE']);
    assert.equal(reader.feedConnected(), false);
    assert.equal(reader.isStale(60_000), true, 'feed never connected');
    writer.setFeedConnected(true);
    assert.equal(reader.isStale(60_000), false);
    assert.equal(reader.writerAlive(), true);
    assert.equal(reader.writerPid, process.pid);

    await sleep(30);
    assert.ok(reader.heartbeatAgeMs() >= 25, `heartbeat age ${reader.heartbeatAgeMs()} ms`);
    assert.equal(reader.isStale(10), true, 'heartbeat older than 10 ms');
    writer.heartbeat();
    assert.ok(reader.heartbeatAgeMs() < 20, 'a heartbeat resets the age');
    assert.equal(reader.isStale(10_000), false);

    writer.setFeedConnected(false);
    assert.equal(reader.isStale(60_000), true, 'feed lost');
    assert.equal(reader.health().feedStatus, 'lost');
    writer.setFeedConnected(true);

    writer.close();
    assert.equal(reader.writerClosed, true);
    assert.equal(reader.isStale(60_000), true, 'writer closed');
    assert.deepEqual({ ...reader.health(), heartbeatAgeMs: 0 }, {
      writerPid: process.pid,
      writerAlive: true,
      writerClosed: true,
      feedStatus: 'connected',
      heartbeatAgeMs: 0,
    });
    done();
  });

  test('a child’s book is readable here, and stale once the child is gone', async () => {
    const name = uniqueShmName('child-book');
    const child = spawnNode(PEER, ['write-book', name]);
    await waitForOutput(child, /^ready$/);
    const reader = BookReader.open(name, { depth: 5 });
    assert.deepEqual(reader.symbols, ['CHILD', 'OTHER']);
    assert.equal(reader.writerPid, child.pid);
    const out = createL2Book(5);
    assert.equal(reader.read(0, out), true);
    assert.deepEqual(Array.from(out.bidPrices.subarray(0, out.bidCount)), [1_500_000, 1_499_900]);
    assert.deepEqual(Array.from(out.askPrices.subarray(0, out.askCount)), [1_500_100]);
    assert.equal(out.sequence, 42);
    assert.equal(await waitForExit(child), 0);

    // The child exited without closing: only the pid check can tell (cached ≤ 250 ms).
    const deadline = Date.now() + 5_000;
    while (reader.writerAlive() && Date.now() < deadline) await sleep(20);
    assert.equal(reader.writerAlive(), false);
    assert.equal(reader.writerClosed, false);
    assert.equal(reader.isStale(60_000), true);
    assert.equal(reader.read(0, out), true, 'the last book is still readable, just stale');

    // A new writer may take the name over from a dead one; readers of the old one keep it.
    const writer = BookWriter.create({ name, symbols: ['NEW'], depth: 5, replaceStale: true });
    assert.equal(reader.read(0, out), true);
    assert.equal(out.sequence, 42);
    const fresh = BookReader.open(name);
    assert.deepEqual(fresh.symbols, ['NEW']);
    assert.equal(fresh.writerAlive(), true);
    fresh.close();
    reader.close();
    writer.close();
    writer.unlink();
  });

  test('a child process reads the parent’s book', async () => {
    const { writer, done } = pair(['PARENT'], 3);
    writer.write(0, sampleBook(3, 2_000_000));
    writer.write(0, sampleBook(2, 2_100_000));
    const child = spawnNode(PEER, ['read-book', writer.name]);
    const line = await waitForOutput(child, /^\{/);
    assert.equal(await waitForExit(child), 0);
    assert.deepEqual(JSON.parse(line), {
      ok: true,
      symbols: ['PARENT'],
      bids: [2_099_900, 2_099_800],
      asks: [2_100_100, 2_100_200],
      lastPrice: 2_100_000,
      sequence: 77,
      updateCount: 2,
      writerPid: process.pid,
    });
    done();
  });
});

describe('stress snapshot checker', () => {
  test('accepts a whole snapshot and catches one mixed from two writes', () => {
    const book = createL2Book(10);
    const later = createL2Book(10);
    for (const n of [1, 2, 9, 10, 11, 12_345_678]) {
      fillSnapshot(book, n);
      assert.equal(checkSnapshot(book), null, `snapshot ${n}`);
      fillSnapshot(later, n + 2);
      // a reader that raced the writer's next write to the same copy could see any mix
      for (const tear of ['bid', 'ask', 'last', 'size'] as const) {
        fillSnapshot(book, n);
        if (tear === 'bid') book.bidPrices[0] = later.bidPrices[0];
        if (tear === 'ask') book.askPrices[book.askCount - 1] = later.askPrices[book.askCount - 1];
        if (tear === 'last') book.lastPrice = later.lastPrice;
        if (tear === 'size') book.bidSizes[book.bidCount - 1] = later.bidSizes[book.bidCount - 1];
        assert.notEqual(checkSnapshot(book), null, `snapshot ${n} with a torn ${tear}`);
      }
      fillSnapshot(book, n);
      book.sequence = n + 2; // new sequence, old body
      assert.notEqual(checkSnapshot(book), null);
    }
  });
});
