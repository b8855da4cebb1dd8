// The defaults of the seed strategy are calibrated against the market model (see
// seed-strategy-config.ts and README.md, "Calibration"). These tests keep that claim true
// when either side changes: the default system trades a few times a second, steadily, and
// its trades make money because of the news, not by chance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCalibration, type CalibrationResult, type Markout } from '../../src/tools/calibration.js';

const SECONDS = 600;

function markoutAt(result: CalibrationResult, horizonSeconds: number): Markout {
  const markout = result.markouts.find((m) => m.horizonSeconds === horizonSeconds);
  assert.ok(markout !== undefined, `no ${horizonSeconds} s mark-out`);
  return markout;
}

test('with every default, the seed strategy trades a few times a second, in most 10 s windows', () => {
  for (const seed of [1, 42]) {
    const result = runCalibration({ market: { seed }, durationSeconds: SECONDS });
    assert.ok(result.tradesPerSecond >= 1.5 && result.tradesPerSecond <= 6, `seed ${seed}: ${result.tradesPerSecond} trades/s`);
    assert.ok(result.idleWindowShare <= 0.2, `seed ${seed}: ${result.idleWindowShare} of 10 s windows without a trade`);
    assert.ok(result.buySignals > 0 && result.sellSignals > 0, 'trades both ways');
  }
});

test('the trades have an edge from the news: positive mark-out far beyond its error and the spread; trading against the news loses', () => {
  const result = runCalibration({ market: { seed: 7 }, durationSeconds: SECONDS });
  const control = runCalibration({ market: { seed: 7 }, durationSeconds: SECONDS, invertSentiment: true });
  for (const horizon of [5, 10, 30]) {
    const markout = markoutAt(result, horizon);
    assert.ok(markout.count > 500, `${markout.count} fills marked at ${horizon} s`);
    assert.ok(markout.meanBps > 10 * markout.standardErrorBps, `${horizon} s: ${markout.meanBps} ± ${markout.standardErrorBps} bps`);
    assert.ok(markout.meanBps > 2 * result.halfSpreadBps, `${horizon} s: ${markout.meanBps} bps against a half spread of ${result.halfSpreadBps}`);
    assert.ok(markoutAt(control, horizon).meanBps < 0, `control at ${horizon} s: ${markoutAt(control, horizon).meanBps} bps`);
  }
  assert.ok(result.totalPnl > 0, `PnL ${result.totalPnl}`);
});

test('the seed rule taken literally (0.5 % tick to tick) never trades on a real-time market: why calibration is needed', () => {
  const result = runCalibration({
    durationSeconds: 120,
    strategy: { lookbackMs: 0, priceChangeThreshold: 0.005, sentimentThreshold: 0.3 },
  });
  assert.equal(result.ordersSent, 0);
  assert.ok(result.ticks === 120 * 10 * 5, `${result.ticks} ticks`);
});

test('a calibration run is deterministic', () => {
  const a = runCalibration({ market: { seed: 3 }, durationSeconds: 60 });
  const b = runCalibration({ market: { seed: 3 }, durationSeconds: 60 });
  assert.deepEqual(a, b);
});
