import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lifecycle } from '../../src/core/lifecycle.js';

test('the lifecycle allows start → run → stop and nothing out of order', () => {
  const lifecycle = new Lifecycle('demo');
  assert.throws(() => lifecycle.moveTo('running'), /cannot go from new to running/);
  lifecycle.moveTo('starting');
  lifecycle.moveTo('running');
  assert.equal(lifecycle.canMoveTo('starting'), false);
  lifecycle.moveTo('stopping');
  lifecycle.moveTo('stopped');
  assert.throws(() => lifecycle.moveTo('starting'), /cannot go from stopped to starting/);
});
