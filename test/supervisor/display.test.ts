import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Display, progressBar } from '../../src/supervisor/display.js';
import { buildSummary, formatSummary } from '../../src/supervisor/summary.js';

function target(isTTY: boolean): { out: string[]; write: (text: string) => void; isTTY: boolean; columns: number } {
  const out: string[] = [];
  return { out, write: (text) => out.push(text), isTTY, columns: 40 };
}

test('on a terminal the status line is redrawn in place and logs scroll above it', () => {
  const t = target(true);
  const display = new Display(t);
  display.status('status one', 0);
  display.line('a log line');
  display.status('x'.repeat(100), 1);
  assert.equal(t.out[0], '\r\x1b[2Kstatus one');
  assert.equal(t.out[1], '\r\x1b[2Ka log line\nstatus one');
  assert.equal(t.out[2], `\r\x1b[2K${'x'.repeat(39)}`, 'cut to the terminal width');
});

test('off a terminal status lines are plain and spaced out', () => {
  const t = target(false);
  const display = new Display(t, 5000);
  display.status('first', 10_000);
  display.status('too soon', 11_000);
  display.line('log');
  display.status('second', 15_000);
  assert.deepEqual(t.out, ['first\n', 'log\n', 'second\n']);
});

test('progress bar shows elapsed against duration', () => {
  assert.equal(progressBar(15_000, 30_000, 10), '[#####.....] 15/30 s');
  assert.equal(progressBar(45_000, 30_000, 10), '[##########] 45/30 s');
  assert.equal(progressBar(7_900, 0), '7 s');
});

test('the summary takes trading figures, positions and latencies from the counters', () => {
  const summary = buildSummary({
    elapsedMs: 5_000,
    exitCode: 0,
    reason: 'duration reached',
    components: [
      { name: 'gateway', counters: { market_data: 250 }, restarts: 0 },
      {
        name: 'ordermanager',
        counters: { orders: 10, fills: 8, rejects: 2, volume: 800, realized_pnl: 12.5, unrealized_pnl: -2, 'position.AAPL': 100, tick_to_trade_p50_us: 42 },
        restarts: 1,
      },
    ],
  });
  assert.deepEqual(summary.trading, { orders: 10, fills: 8, rejects: 2, volume: 800, realizedPnl: 12.5, unrealizedPnl: -2, positions: { AAPL: 100 } });
  assert.deepEqual(summary.latency, { tick_to_trade_p50_us: 42 });
  assert.equal(summary.components['ordermanager']?.restarts, 1);
  const text = formatSummary(summary);
  assert.match(text, /run finished after 5\.0 s: duration reached \(exit 0\)/);
  assert.match(text, /\| gateway +\| market_data +\| 250 +\| 50\/s/);
  assert.match(text, /\| position AAPL +\| 100/);
});
