import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createL2Book } from '../../src/core/book.js';
import { monotonicNs } from '../../src/core/clock.js';
import { BookReader, BookWriter } from '../../src/shm/index.js';
import { ShmBookSource } from '../../src/strategy/shm-book-source.js';
import { cleanupAll, uniqueShmName } from '../helpers/resources.js';
import { makeBook } from './fixtures.js';

after(cleanupAll);

test('a shared-memory book reads as live, stale or unknown', () => {
  const name = uniqueShmName('strategy-source');
  const writer = BookWriter.create({ name, symbols: ['AAPL', 'MSFT'] });
  const reader = BookReader.open(name);
  try {
    const source = new ShmBookSource(reader, 1000);
    const out = createL2Book();
    writer.write(writer.indexOf('AAPL'), makeBook({ bid: 99.99, ask: 100.01, timestamp: 1_700_000_000.5, sentNs: 42 }));
    writer.heartbeat();
    writer.setFeedConnected(true);
    assert.equal(source.read('AAPL', out), 'live');
    assert.equal(out.bidPrices[0], 999_900);
    assert.equal(out.askPrices[0], 1_000_100);
    assert.equal(out.timestamp, 1_700_000_000.5);
    assert.equal(out.sentNs, 42);
    assert.equal(source.read('MSFT', out), 'unknown', 'never written');
    assert.equal(source.read('TSLA', out), 'unknown', 'no slot');
    writer.setFeedConnected(false);
    assert.equal(source.read('AAPL', out), 'stale', 'feed lost');
    writer.setFeedConnected(true);
    writer.heartbeat(monotonicNs() - 5e9);
    assert.equal(source.read('AAPL', out), 'stale', 'heartbeat 5 s old');
    writer.heartbeat();
    assert.equal(source.read('AAPL', out), 'live');
    writer.close();
    assert.equal(source.read('AAPL', out), 'stale', 'writer closed');
  } finally {
    reader.close();
    writer.close();
    writer.unlink();
  }
});

test('a non-positive heartbeat age is refused', () => {
  assert.throws(() => new ShmBookSource(undefined as unknown as BookReader, 0), /maxHeartbeatAgeMs/);
});
