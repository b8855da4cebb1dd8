import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tcpBenchmark } from '../../src/bench/tcp-bench.js';

test('the TCP benchmark runs end to end across two processes with lossless delivery', async () => {
  const lines: string[] = [];
  const result = await tcpBenchmark.run({ scale: 0.05, log: (line) => lines.push(line) });
  const rate = result.figures['tcp_binary_msgs_per_s'];
  assert.ok(rate !== undefined && rate > 0, `rate ${rate}`);
  assert.equal(result.figures['tcp_payload_bytes'], 212);
  assert.match(result.rows[0]?.notes ?? '', /0 gaps/);
  // the same over TLS when openssl can make the certificate (it can wherever the suite runs)
  const tls = result.figures['tcp_tls_binary_msgs_per_s'];
  if (lines.some((line) => line.includes('openssl not found'))) {
    assert.equal(result.rows.length, 1);
  } else {
    assert.equal(result.rows.length, 2);
    assert.ok(tls !== undefined && tls > 0, `TLS rate ${tls}`);
    assert.match(result.rows[1]?.notes ?? '', /0 gaps/);
  }
  assert.ok(lines.some((line) => line.includes('msgs/s')));
});
