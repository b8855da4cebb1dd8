/**
 * `trading orderbook` as a real process between a real gateway and readers of the shared
 * book: every symbol's book arrives, a lost gateway makes the book stale, a gateway back
 * on the same port makes it live again, and a crashed orderbook's segment is taken over.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { createL2Book } from '../../src/core/book.js';
import { setLogLevel } from '../../src/core/log.js';
import { BookReader, BookWriter } from '../../src/shm/index.js';
import { LiveBook } from '../../src/shm/live-book.js';
import { cleanupAll, spawnCli, stopChild, uniqueShmName, waitForExit, waitForOutput } from '../helpers/resources.js';
import { startGateway, until } from '../gateway/helpers.js';

setLogLevel('warn');
after(cleanupAll);

const SYMBOLS = ['AAPL', 'GOOGL', 'MSFT', 'AMZN', 'TSLA'];

interface OrderbookProcess {
  child: ChildProcess;
  output: () => string;
}

function startOrderbook(port: number, shm: string, extra: string[] = ['--replace-stale']): OrderbookProcess {
  const child = spawnCli(['orderbook', '--gateway', `127.0.0.1:${port}`, '--shm', shm, ...extra]);
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { child, output: () => text };
}

/** Lines of `output` matching `pattern`. */
function count(output: string, pattern: RegExp): number {
  return output.split('\n').filter((line) => pattern.test(line)).length;
}

test('gateway → orderbook → shared memory: every book arrives; a lost gateway makes it stale; it comes back', { timeout: 40_000 }, async () => {
  const shm = uniqueShmName('ob');
  let gateway = await startGateway(['--rate', '50', '--symbols', SYMBOLS.join(',')]);
  const port = gateway.port;
  const orderbook = startOrderbook(port, shm);
  await waitForOutput(orderbook.child, /orderbook +ready /, 15_000);
  assert.ok(existsSync(`/dev/shm${shm}`), 'the segment exists once the orderbook is ready');

  const reader = BookReader.open(shm);
  const book = createL2Book(10);
  try {
    assert.deepEqual([...reader.symbols].sort(), [...SYMBOLS].sort(), 'symbols learnt from the stream');
    const firstCounts = SYMBOLS.map((s) => reader.updateCount(reader.indexOf(s)));
    await until(() => SYMBOLS.every((s, i) => reader.updateCount(reader.indexOf(s)) >= (firstCounts[i] ?? 0) + 5), 'five more updates of every symbol');
    for (const symbol of SYMBOLS) {
      assert.ok(reader.read(reader.indexOf(symbol), book), `a stable read of ${symbol}`);
      assert.ok(book.bidCount >= 5 && book.askCount >= 5, `${symbol} has 5+ levels`);
      assert.ok(book.bidPrices[0] < book.askPrices[0], `${symbol}: bid below ask`);
      assert.ok(book.sequence > 0 && book.sentNs > 0, 'the gateway sequence and stamp travel into the book');
    }
    assert.equal(reader.isStale(500), false, 'live while the gateway streams');
    assert.equal(reader.writerPid, orderbook.child.pid);

    // the gateway dies: the feed is lost and readers see the book stale at once
    gateway.child.kill('SIGKILL');
    await waitForExit(gateway.child);
    await until(() => !reader.feedConnected() && reader.isStale(500), 'the book marked stale', 5_000);
    assert.equal(orderbook.child.exitCode, null, 'the orderbook keeps running');

    // a gateway back on the same port: the orderbook reconnects and the book is live again
    gateway = await startGateway(['--rate', '50', '--symbols', SYMBOLS.join(',')], port);
    await until(() => count(orderbook.output(), /feed live/) >= 2, 'the feed live again', 10_000);
    const afterCounts = SYMBOLS.map((s) => reader.updateCount(reader.indexOf(s)));
    await until(() => SYMBOLS.every((s, i) => reader.updateCount(reader.indexOf(s)) > (afterCounts[i] ?? 0)), 'updates of every symbol after the reconnect');
    assert.equal(reader.isStale(500), false, 'live again');
  } finally {
    reader.close();
  }

  // a clean stop removes the segment it created
  assert.equal(await stopChild(orderbook.child), 0, orderbook.output());
  assert.equal(existsSync(`/dev/shm${shm}`), false, 'segment removed on a clean stop');
  assert.equal(await stopChild(gateway.child), 0);
});

test('a crashed orderbook is replaced with --replace-stale and readers follow; a live one is never replaced', { timeout: 40_000 }, async () => {
  const shm = uniqueShmName('ob-restart');
  const gateway = await startGateway(['--rate', '50', '--symbols', 'AAPL,MSFT']);
  const first = startOrderbook(gateway.port, shm);
  await waitForOutput(first.child, /orderbook +ready /, 15_000);
  const live = new LiveBook({ name: shm, maxAgeMs: 300, checkIntervalMs: 10 });
  const book = createL2Book(10);
  try {
    await until(() => live.read('AAPL', book) === 'live', 'AAPL live through the LiveBook');

    // a second orderbook while the first is alive: the segment is not taken
    const intruder = startOrderbook(gateway.port, shm);
    assert.equal(await waitForExit(intruder.child), 1);
    assert.match(intruder.output(), /E_SHM_EXISTS/);
    assert.equal(live.read('AAPL', book), 'live', 'the live book was left alone');

    // the first one crashes: its segment stays, stale; a new one takes it over
    first.child.kill('SIGKILL');
    await waitForExit(first.child);
    await until(() => {
      live.refresh();
      return live.read('AAPL', book) === 'stale';
    }, 'stale after the crash', 5_000);
    const before = live.updateCount('AAPL');
    const second = startOrderbook(gateway.port, shm);
    await waitForOutput(second.child, /orderbook +ready /, 15_000);
    await until(() => {
      live.refresh();
      return live.read('AAPL', book) === 'live' && live.writerPid === second.child.pid;
    }, 'the LiveBook follows the new orderbook', 5_000);
    assert.equal(live.attachments, 2);
    assert.ok(live.updateCount('AAPL') >= before, 'update counts never go down across the restart');
    assert.equal(await stopChild(second.child), 0, second.output());
  } finally {
    live.close();
  }
  await stopChild(gateway.child);
});

test('without --replace-stale an existing segment is an E_SHM_EXISTS start failure, exit 1', { timeout: 20_000 }, async () => {
  const shm = uniqueShmName('ob-exists');
  const leftover = BookWriter.create({ name: shm, symbols: ['AAPL'] });
  leftover.close(); // a writer that is gone: stale, but only --replace-stale may take it
  const orderbook = startOrderbook(1, shm, ['--symbols', 'AAPL']);
  assert.equal(await waitForExit(orderbook.child), 1);
  assert.match(orderbook.output(), /failed to start: E_SHM_EXISTS/);
  assert.doesNotMatch(orderbook.output(), /\n\s+at /, 'no stack trace');
  assert.ok(existsSync(`/dev/shm${shm}`), 'left alone');
});

test('bad orderbook flags exit 2 naming the field', { timeout: 15_000 }, async () => {
  const child = spawnCli(['orderbook', '--gateway', 'nowhere', '--shm', 'no-slash', '--depth', '99']);
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  assert.equal(await waitForExit(child), 2);
  for (const field of ['--gateway', '--shm', '--depth']) assert.match(output, new RegExp(field), output);
});
