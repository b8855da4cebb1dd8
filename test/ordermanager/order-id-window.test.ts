import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OrderIdWindow } from '../../src/ordermanager/order-id-window.js';

test('the order-id window keeps the last N ids, forgets older ones, and lists them oldest first', () => {
  const window = new OrderIdWindow(3);
  for (const id of ['a', 'b', 'c']) window.add(id);
  assert.deepEqual(window.values(), ['a', 'b', 'c']);
  window.add('b'); // already there: not added twice
  assert.equal(window.size, 3);
  window.add('d');
  assert.equal(window.has('a'), false, 'beyond the horizon');
  assert.equal(window.has('b') && window.has('c') && window.has('d'), true);
  assert.deepEqual(window.values(), ['b', 'c', 'd']);
  for (let i = 0; i < 10_000; i++) window.add(`x${i}`);
  assert.equal(window.size, 3, 'memory flat in the ids ever seen');
  assert.throws(() => new OrderIdWindow(0), { code: 'E_CONFIG_INVALID' });
});

test('a window not yet full lists only the ids it holds, oldest first', () => {
  const window = new OrderIdWindow(5);
  assert.deepEqual(window.values(), []);
  for (const id of ['a', 'b']) window.add(id);
  assert.deepEqual(window.values(), ['a', 'b']);
  for (const id of ['c', 'd', 'e', 'f']) window.add(id);
  assert.deepEqual(window.values(), ['b', 'c', 'd', 'e', 'f']);
});
