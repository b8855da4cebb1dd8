/** The dashboard's bounded histories and its trade log follower. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SeqCounter, SeqRing } from '../../src/dashboard/seq-ring.js';
import { TradeLogTail } from '../../src/dashboard/trade-log-tail.js';
import { cleanupAll, tempDir } from '../helpers/resources.js';

after(cleanupAll);

function fillLine(n: number, symbol: string, side: 'BUY' | 'SELL', quantity: number, price: number): string {
  return `{"execution_id":"E${n}","order_id":"o-${n}","symbol":"${symbol}","side":"${side}","quantity":${quantity},"order_price":${price},"execution_price":${price},"timestamp":1764050000.5,"status":"FILLED"}\n`;
}

test('rings share one sequence, keep their capacity, and say when a cursor is no longer covered', () => {
  const counter = new SeqCounter();
  const a = new SeqRing<string>(3, counter);
  const b = new SeqRing<string>(10, counter);
  a.push('a1');
  b.push('b1');
  const cursor = counter.last;
  a.push('a2');
  a.push('a3');
  b.push('b2');
  assert.deepEqual(a.since(cursor), ['a2', 'a3']);
  assert.deepEqual(b.since(cursor), ['b2']);
  assert.equal(a.covers(cursor), true);
  a.push('a4');
  a.push('a5');
  assert.equal(a.size, 3, 'bounded');
  assert.deepEqual(a.since(0), ['a3', 'a4', 'a5']);
  assert.equal(a.covers(cursor), false, 'a2 was dropped: a browser at cursor must start again');
  assert.equal(b.covers(cursor), true);
  assert.deepEqual(a.latest(2), ['a4', 'a5']);
  b.clear();
  assert.equal(b.covers(cursor), false);
  assert.deepEqual(b.since(0), []);
});

test('the trade log tail reads whole lines only, rebuilds positions, and starts again on truncation or replacement', () => {
  const dir = tempDir('tail');
  const path = join(dir, 'trades.log');
  const tail = new TradeLogTail(path, 64);
  assert.deepEqual(tail.poll(), { reset: false, fills: [], more: false }, 'no file yet: nothing');

  const first = fillLine(1, 'AAPL', 'BUY', 100, 190);
  writeFileSync(path, first + fillLine(2, 'AAPL', 'SELL', 30, 191).slice(0, 20));
  let fills: string[] = [];
  // 64-byte chunks: a long log is caught up over several polls
  for (let i = 0; i < 10; i++) fills.push(...tail.poll().fills.map((f) => f.executionId));
  assert.deepEqual(fills, ['E1'], 'the torn line waits for its newline');
  appendFileSync(path, fillLine(2, 'AAPL', 'SELL', 30, 191).slice(20) + 'not json\n' + fillLine(3, 'MSFT', 'SELL', 5, 420));
  fills = [];
  for (let i = 0; i < 10; i++) fills.push(...tail.poll().fills.map((f) => f.executionId));
  assert.deepEqual(fills, ['E2', 'E3']);
  assert.equal(tail.fillCount, 3);
  assert.equal(tail.corruptLines, 1);
  const positions = tail.positions.snapshot(() => Number.NaN).positions.map((p) => [p.symbol, p.netQuantity, p.realizedPnl / 10_000]);
  assert.deepEqual(positions, [['AAPL', 70, 30], ['MSFT', -5, 0]]);

  const pollAll = (): { reset: boolean; symbols: string[] } => {
    let reset = false;
    const symbols: string[] = [];
    for (let i = 0; i < 20; i++) {
      const poll = tail.poll();
      reset ||= poll.reset;
      symbols.push(...poll.fills.map((f) => f.symbol));
    }
    return { reset, symbols };
  };
  truncateSync(path, 0);
  appendFileSync(path, fillLine(1, 'TSLA', 'BUY', 1, 250));
  assert.deepEqual(pollAll(), { reset: true, symbols: ['TSLA'] });
  assert.equal(tail.fillCount, 1);

  // cut back and grown past the old length between two polls (a failed sync's cut, then new fills)
  truncateSync(path, 0);
  appendFileSync(path, fillLine(1, 'AMZN', 'BUY', 7, 185) + fillLine(2, 'AMZN', 'BUY', 7, 185));
  assert.deepEqual(pollAll(), { reset: true, symbols: ['AMZN', 'AMZN'] });
  assert.equal(tail.fillCount, 2);

  const replacement = join(dir, 'next.log');
  writeFileSync(replacement, fillLine(1, 'GOOGL', 'SELL', 2, 170) + fillLine(2, 'GOOGL', 'SELL', 2, 170));
  renameSync(replacement, path);
  assert.deepEqual(pollAll(), { reset: true, symbols: ['GOOGL', 'GOOGL'] }, 'a replaced file is read from its start');
  assert.deepEqual(tail.positions.snapshot(() => Number.NaN).positions.map((p) => [p.symbol, p.netQuantity]), [['GOOGL', -4]]);
});
