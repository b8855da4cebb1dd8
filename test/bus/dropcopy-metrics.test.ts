/**
 * `trading dropcopy` has a counters segment of its own, like the four components: fills
 * written, bad messages, the stream sequence and the lag behind the stream's end, consumers
 * replaced, the bus connection and the store-to-write delay, read from outside by
 * `trading stat` and served on /metrics. A real drop copy process against a real
 * nats-server; fills go into the stream straight from a NATS client.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { DEFAULT_EXECUTIONS_STREAM, EXECUTIONS_PREFIX } from '../../src/bus/subjects.js';
import type { ComponentReport } from '../../src/core/runtime.js';
import { counterSegmentName } from '../../src/metrics/index.js';
import { readStat } from '../helpers/cli.js';
import { readComponentCounters } from '../helpers/counters.js';
import { cleanupAll, spawnCli, stopChild, uniqueShmName } from '../helpers/resources.js';
import { NATS_SKIP, startNatsServer, type TestNatsServer } from '../helpers/nats-server.js';
import { until } from '../net/helpers.js';
import { publishFills, publishToStream } from './stream-fills.js';

after(cleanupAll);

/** The drop copy's ready details (its /metrics port among them), from its report to a supervisor. */
function readyDetails(child: ChildProcess, output: () => string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    child.on('message', (message: ComponentReport) => {
      if (message.kind === 'ready') resolve(message.details);
    });
    child.once('exit', (code) => reject(new Error(`dropcopy exited (${code}) before ready:\n${output()}`)));
  });
}

test('the drop copy publishes its counters: fills, bad messages, sequence, lag, consumers replaced, bus; in trading stat and on /metrics', { skip: NATS_SKIP, timeout: 60_000 }, async (t) => {
  let server: TestNatsServer | undefined;
  let nc: NatsConnection | undefined;
  let child: ChildProcess | undefined;
  const shm = uniqueShmName('platform-dc');
  try {
    server = await startNatsServer();
    nc = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    await (await jetstreamManager(nc)).streams.add({ name: DEFAULT_EXECUTIONS_STREAM, subjects: [`${EXECUTIONS_PREFIX}>`], storage: 'file' });
    // 5 fills, then a message that is not one (sequence 6), then 2 more fills
    await publishFills(nc, 1, 5);
    await publishToStream(nc, 'not-a-fill', new TextEncoder().encode('{"type":7,"data":{}}'));
    await publishFills(nc, 7, 8);

    let output = '';
    child = spawnCli(['dropcopy', '--bus', server.url, '--json', '--shm', shm, '--metrics-port', '0'], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const details = await readyDetails(child, () => output);
    // the segment is read while the drop copy writes it: each value is whole, but a read may
    // fall between two values of one publish, so wait for all of them to say the same
    let seen: Record<string, number> = {};
    const settled = (expected: Record<string, (value: number | undefined) => boolean>, what: string): Promise<void> =>
      until(() => {
        seen = readComponentCounters(shm, 'dropcopy');
        return Object.entries(expected).every(([name, holds]) => holds(seen[name]));
      }, what, 15_000).catch((err: Error) => {
        throw new Error(`${err.message}; last seen ${JSON.stringify(seen)}`);
      });
    const is = (wanted: number) => (value: number | undefined): boolean => value === wanted;
    const atLeast = (wanted: number) => (value: number | undefined): boolean => value !== undefined && value >= wanted;
    await settled(
      {
        fills_copied: is(7),
        bad_messages: is(1),
        stream_sequence: is(8),
        stream_pending: is(0),
        bus_connected: is(1),
        bus_reconnects: is(0),
        consumer_replacements: is(0),
        component_starts: is(1),
      },
      '7 fills and 1 bad message read to the end of the stream (no lag), connected',
    );

    // a nats-server crash: the drop copy replaces its consumer, and says so in its counters
    await server.crash();
    await server.restart();
    await publishFills(nc, 9, 11);
    await settled(
      { fills_copied: is(10), stream_sequence: is(11), stream_pending: is(0), consumer_replacements: atLeast(1), bus_reconnects: atLeast(1), bus_connected: is(1) },
      '10 fills after the restart, the consumer replaced and the bus reconnected',
    );
    const after = seen;

    const stat = await readStat(shm);
    assert.deepEqual(stat.components.map((component) => component.component), ['dropcopy'], 'trading stat finds it by its --shm');
    const delay = stat.components[0]?.histograms['fill_copy_delay'];
    t.diagnostic(`dropcopy counters ${JSON.stringify(after)}; store-to-write delay p50 ${delay?.p50} µs, p99 ${delay?.p99} µs over ${delay?.count} fills`);

    const metricsPort = details['metricsPort'];
    assert.equal(typeof metricsPort, 'number', JSON.stringify(details));
    const text = await (await fetch(`http://127.0.0.1:${String(metricsPort)}/metrics`)).text();
    assert.match(text, /^ipc_trading_fills_copied_total\{component="dropcopy"\} 10$/m);
    assert.match(text, /^ipc_trading_bad_messages_total\{component="dropcopy"\} 1$/m);
    assert.match(text, /^ipc_trading_stream_pending\{component="dropcopy"\} 0$/m);
    assert.match(text, /^ipc_trading_fill_copy_delay_seconds_count\{component="dropcopy"\} 10$/m);
    assert.match(text, /^ipc_trading_component_up\{component="dropcopy"\} 1$/m);

    assert.equal(await stopChild(child), 0, output);
    assert.equal(existsSync(`/dev/shm${counterSegmentName(shm, 'dropcopy')}`), false, 'its segment removed on stop');
  } finally {
    if (child !== undefined && child.exitCode === null) await stopChild(child);
    await nc?.close().catch(() => undefined);
    await server?.stop();
  }
});
