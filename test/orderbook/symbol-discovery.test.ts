import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SymbolDiscovery } from '../../src/orderbook/symbol-discovery.js';

test('the symbol list is complete at the first repeat, whatever round the stream is joined in', () => {
  const rounds = ['AAPL', 'GOOGL', 'MSFT', 'AMZN', 'TSLA'];
  for (let joinAt = 0; joinAt < rounds.length; joinAt++) {
    const discovery = new SymbolDiscovery(1024);
    const stream = [...rounds.slice(joinAt), ...rounds, ...rounds];
    let found: readonly string[] | undefined;
    let seen = 0;
    for (const symbol of stream) {
      seen++;
      found = discovery.observe(symbol);
      if (found !== undefined) break;
    }
    assert.ok(found !== undefined);
    assert.deepEqual([...found].sort(), [...rounds].sort());
    assert.equal(seen, rounds.length + 1, 'one message past a full cycle');
    assert.equal(discovery.observe('AAPL'), undefined, 'reported once');
    assert.deepEqual(discovery.symbols, found);
  }
});

test('a lost connection forgets a partial cycle; a cap completes the list', () => {
  const discovery = new SymbolDiscovery(3);
  discovery.observe('A');
  discovery.reset();
  assert.equal(discovery.observe('A'), undefined, 'A is new again after the reset');
  assert.equal(discovery.observe('B'), undefined);
  assert.deepEqual(discovery.observe('C'), ['A', 'B', 'C']);
});
