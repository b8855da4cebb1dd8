import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TradingError } from '../../src/core/errors.js';
import { MAX_ORDER_ID_LENGTH } from '../../src/protocol/messages.js';
import { OrderIdGenerator, SESSION_TOKEN_PATTERN, createSessionToken } from '../../src/strategy/order-ids.js';

test('ids are the session token and a sequence, never repeated within a run', () => {
  const ids = new OrderIdGenerator('run42');
  const seen = new Set<string>();
  for (let i = 0; i < 10_000; i++) seen.add(ids.next());
  assert.equal(seen.size, 10_000);
  assert.ok(seen.has('run42-1') && seen.has('run42-10000'));
  assert.equal(ids.issued, 10_000);
});

test('a restarted run gets a new token, so it cannot reuse an earlier run\'s ids', () => {
  const first = new OrderIdGenerator();
  const second = new OrderIdGenerator();
  assert.notEqual(first.sessionToken, second.sessionToken);
  assert.notEqual(first.next(), second.next());
  // Same millisecond: the random part still differs.
  const now = Date.now();
  assert.notEqual(createSessionToken(now), createSessionToken(now));
  // Same random bits: the time part differs.
  const random = new Uint8Array([1, 2, 3, 4]);
  assert.notEqual(createSessionToken(now, random), createSessionToken(now + 1, random));
});

test('generated tokens are valid and ids fit the wire limit', () => {
  const token = createSessionToken();
  assert.match(token, SESSION_TOKEN_PATTERN);
  const longest = new OrderIdGenerator('x'.repeat(40));
  assert.ok(longest.next().length <= MAX_ORDER_ID_LENGTH);
});

test('a token that could be confused with the sequence separator is refused', () => {
  for (const bad of ['', 'a-b', 'with space', 'x'.repeat(41)]) {
    assert.throws(() => new OrderIdGenerator(bad), (err: unknown) => err instanceof TradingError && err.code === 'E_CONFIG_INVALID', bad);
  }
});
