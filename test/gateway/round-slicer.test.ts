import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RoundSlicer } from '../../src/gateway/round-slicer.js';

test('a sliced round hands out symbols in proportion to the time elapsed, each exactly once', () => {
  const slicer = new RoundSlicer(10_000, 0.8);
  assert.equal(slicer.inRound, false);
  slicer.begin(1_000, 100, 0.1);
  const sent: number[] = [];
  let from = slicer.cursor;
  for (let t = 1_000; slicer.inRound; t += 1) {
    const to = slicer.take(t);
    assert.ok(to >= from);
    sent.push(to - from);
    from = to;
    assert.ok(t <= 1_080, 'the round ends within 80 % of its period');
  }
  assert.equal(sent.reduce((a, b) => a + b, 0), 10_000);
  assert.ok(Math.max(...sent) <= 126, `no slice is a burst: largest ${Math.max(...sent)}`);
  assert.equal(slicer.delayMs(2_000), Number.POSITIVE_INFINITY);
});

test('a late caller finishes the round at once; delays point at the next due symbol', () => {
  const slicer = new RoundSlicer(100, 0.5);
  slicer.begin(0, 100, 0.1);
  assert.equal(slicer.take(0), 0);
  assert.equal(slicer.take(25), 50);
  assert.ok(Math.abs(slicer.delayMs(25) - 0) < 1e-9);
  assert.equal(slicer.delayMs(20), 5);
  assert.equal(slicer.finish(), 100);
  assert.equal(slicer.inRound, false);
  assert.throws(() => new RoundSlicer(0), { code: 'E_CONFIG_INVALID' });
  assert.throws(() => new RoundSlicer(5, 0), { code: 'E_CONFIG_INVALID' });
});
