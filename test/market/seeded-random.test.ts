import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../../src/market/seeded-random.js';

test('xoshiro128** matches the reference output for state (1, 2, 3, 4)', () => {
  const random = SeededRandom.fromState(1, 2, 3, 4);
  assert.deepEqual([random.nextUint32(), random.nextUint32(), random.nextUint32(), random.nextUint32()], [11520, 0, 5927040, 70819200]);
  const uniform = SeededRandom.fromState(1, 2, 3, 4);
  assert.equal(uniform.nextFloat(), 11520 / 2 ** 32);
});

function draws(random: SeededRandom, count: number): number[] {
  const values: number[] = [];
  for (let i = 0; i < count; i++) values.push(random.nextUint32(), random.nextFloat(), random.nextNormal());
  return values;
}

test('the same seed and stream give the same sequence; another seed or stream another', () => {
  const first = draws(new SeededRandom(42, 3), 1000);
  assert.deepEqual(draws(new SeededRandom(42, 3), 1000), first);
  const otherSeed = draws(new SeededRandom(43, 3), 1000);
  const otherStream = draws(new SeededRandom(42, 4), 1000);
  for (const other of [otherSeed, otherStream]) {
    const same = other.filter((value, index) => value === first[index]).length;
    assert.ok(same < 10, `${same} of ${first.length} values coincide`);
  }
});

test('nextFloat is uniform in [0, 1) and nextInt covers 0..bound-1', () => {
  const random = new SeededRandom(7);
  const count = 100_000;
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const u = random.nextFloat();
    assert.ok(u >= 0 && u < 1);
    sum += u;
  }
  // Standard error of the mean is 0.29/√n ≈ 0.0009.
  assert.ok(Math.abs(sum / count - 0.5) < 0.005, `mean ${sum / count}`);
  const seen = new Array<number>(7).fill(0);
  for (let i = 0; i < 7000; i++) seen[random.nextInt(7)]++;
  for (const hits of seen) assert.ok(hits > 850 && hits < 1150, `bucket counts ${seen.join(',')}`);
});

test('nextNormal has the moments and tails of N(0, 1)', () => {
  const random = new SeededRandom(11);
  const count = 200_000;
  let sum = 0;
  let squares = 0;
  let beyond2 = 0;
  let beyond3 = 0;
  for (let i = 0; i < count; i++) {
    const z = random.nextNormal();
    sum += z;
    squares += z * z;
    if (Math.abs(z) > 2) beyond2++;
    if (Math.abs(z) > 3) beyond3++;
  }
  // Tolerances are about five standard errors at this sample size.
  assert.ok(Math.abs(sum / count) < 0.012, `mean ${sum / count}`);
  assert.ok(Math.abs(squares / count - 1) < 0.016, `variance ${squares / count}`);
  assert.ok(Math.abs(beyond2 / count - 0.0455) < 0.0024, `P(|z| > 2) = ${beyond2 / count}`);
  assert.ok(Math.abs(beyond3 / count - 0.0027) < 0.0006, `P(|z| > 3) = ${beyond3 / count}`);
});

test('nextExponential has mean 1 and is never negative', () => {
  const random = new SeededRandom(5);
  let sum = 0;
  for (let i = 0; i < 50_000; i++) {
    const e = random.nextExponential();
    assert.ok(e >= 0 && Number.isFinite(e));
    sum += e;
  }
  assert.ok(Math.abs(sum / 50_000 - 1) < 0.025, `mean ${sum / 50_000}`);
});
