import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { tickToTradeBenchmark } from '../../src/bench/tick-to-trade-bench.js';

test('the tick-to-trade benchmark runs the real strategy process end to end: an order for every tick, stamped', async () => {
  const lines: string[] = [];
  const result = await tickToTradeBenchmark.run({ scale: 0.01, log: (line) => lines.push(line) });
  const figures = result.figures;
  // 1,000 measured ticks (the minimum); a symbol's first tick has no previous price to rise
  // from, and a tick handled after the feeder wrote its symbol's next book (5 ms later)
  // sees no rise: how many do depends on the machine's load, not on the path. Most must
  // become orders, and none may become two.
  const samples = figures['tick_to_trade_samples'] ?? 0;
  assert.ok(samples >= 500 && samples <= 1000, `samples ${samples}`);
  const p50 = figures['tick_to_trade_p50_us'] ?? 0;
  const p99 = figures['tick_to_trade_p99_us'] ?? 0;
  assert.ok(p50 > 0 && p99 >= p50, `p50 ${p50} p99 ${p99}`);
  assert.ok((figures['tick_to_trade_in_strategy_p50_us'] ?? 0) > 0);
  assert.ok((figures['tick_to_trade_outbound_p50_us'] ?? 0) > 0);
  assert.ok((figures['loopback_round_trip_p50_us'] ?? 0) > 0, 'the floor is measured beside the figure');
  assert.ok((figures['loopback_chain_p50_us'] ?? 0) > 0, 'and the three-process floor');
  assert.ok((figures['tick_to_trade_floor_ratio'] ?? 0) > 0 && (figures['tick_to_trade_chain_floor_ratio'] ?? 0) > 0, 'with the ratios to both');
  assert.ok((figures['tick_to_trade_no_yield_p50_us'] ?? 0) > 0, 'the variant without the yield after an order is measured too');
  assert.ok((figures['tick_to_trade_spin_p50_us'] ?? 0) > 0, 'the busy-spin variant is measured too');
  assert.ok((figures['tick_to_trade_no_book_wait_p50_us'] ?? 0) > 0, 'the variant without the wait for the book is measured too');
  // the tick's own book, read from the strategy's counters segment after it stopped
  const lagAtFirstRead = figures['tick_to_trade_book_lag_at_first_read'];
  const lagged = figures['tick_to_trade_book_lagged'];
  assert.ok(lagAtFirstRead !== undefined && lagged !== undefined && lagged <= lagAtFirstRead, `${lagAtFirstRead} → ${lagged}`);
  assert.ok(Number.isInteger(figures['tick_to_trade_no_book_wait_book_lagged']), 'counted without the wait too');
  // openssl is installed here and in CI: the TLS row is there
  assert.ok((figures['tick_to_trade_tls_p50_us'] ?? 0) > 0, 'the variant over TLS is measured too');
  assert.ok((figures['tick_to_trade_tls_p99_us'] ?? 0) >= (figures['tick_to_trade_tls_p50_us'] ?? 0));
  assert.equal(result.rows.length, 10);
  assert.match(result.rows[0]?.notes ?? '', /ticks\/s/);
  assert.ok(lines.some((line) => line.includes('p50')));
  assert.deepEqual(readdirSync('/dev/shm').filter((entry) => entry.startsWith(`ipc-trading-t2t-${process.pid}-`)), [], 'segment removed');
});
