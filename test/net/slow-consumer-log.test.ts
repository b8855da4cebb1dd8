/**
 * Slow-consumer episodes are logged once they last, not for every moment a TLS write is
 * still being encrypted: the log itself (pure, on given clocks), and a real TLS server whose
 * client conflates for moments, logged nothing, while a stalled one is logged.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { makeCertificate } from '../../src/bench/tcp-bench.js';
import { createLogger } from '../../src/core/log.js';
import { FrameClient } from '../../src/net/frame-client.js';
import { FrameServer } from '../../src/net/frame-server.js';
import type { FrameServerClient } from '../../src/net/frame-server-client.js';
import { SlowConsumerLog } from '../../src/net/slow-consumer-log.js';
import { loadClientTls, loadServerTls } from '../../src/net/tls-options.js';
import { cleanupAll } from '../helpers/resources.js';
import { captureLogs, frameOf, until } from './helpers.js';

const logs = captureLogs();
after(cleanupAll);

const client = { id: 7, remote: '127.0.0.1:5000', backlogBytes: 180 };
const episode = (dropped = 0): { conflated: number; dropped: number; released: number } => ({ conflated: 3, dropped, released: 2 });
const linesFrom = (start: number): string[] => logs.slice(start).filter((line) => line.includes('slow consumer'));

test('an episode shorter than afterMs is not logged; a longer one is, by the sweep, and its end too', () => {
  const log = new SlowConsumerLog<typeof client>(createLogger('slow-test'), 4096, 250);
  const start = logs.length;
  log.began(client, 1_000);
  log.sweep(1_100);
  log.ended(client, episode(), 1_120);
  log.sweep(2_000);
  assert.deepEqual(linesFrom(start), [], 'a moment behind, nothing dropped: counted, not logged');

  log.began(client, 3_000);
  log.sweep(3_200);
  assert.deepEqual(linesFrom(start), [], 'not yet 250 ms');
  log.sweep(3_300);
  log.sweep(3_400);
  const started = linesFrom(start);
  assert.equal(started.length, 1, 'logged once');
  assert.match(started[0] ?? '', /WARN .*slow consumer: conflating client=7 .*forMs=300 backlogBytes=180 maxBacklogBytes=4096/);
  log.ended(client, episode(), 3_500);
  assert.match(linesFrom(start)[1] ?? '', /INFO .*slow consumer caught up client=7 conflated=3 dropped=0 released=2/);
});

test('a short episode that dropped frames is logged at its end; afterMs 0 logs at once; a client gone is forgotten', () => {
  const start = logs.length;
  const log = new SlowConsumerLog<typeof client>(createLogger('slow-test'), 4096, 250);
  log.began(client, 1_000);
  log.ended(client, episode(4), 1_050);
  assert.match(linesFrom(start)[0] ?? '', /INFO .*slow consumer: frames dropped while conflating client=7 .*dropped=4 .*durationMs=50/);

  log.began(client, 2_000);
  log.forget(client);
  log.sweep(10_000);
  assert.equal(linesFrom(start).length, 1, 'nothing of a client that went');

  const atOnce = new SlowConsumerLog<typeof client>(createLogger('slow-test'), 4096, 0);
  atOnce.began(client, 1_000);
  assert.match(linesFrom(start)[1] ?? '', /slow consumer: conflating client=7 .*forMs=0/);
});

test('TLS: a client on probation conflating for moments (each write completes later) logs nothing, and loses nothing of the latest', { timeout: 30_000 }, async (t) => {
  const certificate = makeCertificate();
  if (certificate === undefined) {
    t.skip('openssl not found: no certificate for the TLS server');
    return;
  }
  const start = logs.length;
  const connected: FrameServerClient[] = [];
  const server = new FrameServer({ onFrame: () => undefined, onConnect: (c) => connected.push(c), slowConsumerPolicy: 'conflate', tls: loadServerTls({ cert: certificate.cert, key: certificate.key }) });
  const received: string[] = [];
  let reader: FrameClient | undefined;
  try {
    const { port } = await server.listen(0);
    reader = new FrameClient({ host: '127.0.0.1', port, tls: loadClientTls({ ca: certificate.cert }), onFrame: (buffer, offset, length) => received.push(buffer.toString('utf8', offset, offset + length)) });
    await reader.connect();
    await until(() => connected.length === 1 && reader?.connected === true, 'the TLS client connected', 10_000);
    const peer = connected[0];
    assert.ok(peer !== undefined);
    // three versions of one key per turn, a turn every millisecond: the 2nd and 3rd find the 1st still being encrypted
    for (let turn = 0; turn < 300; turn++) {
      for (let version = 1; version <= 3; version++) peer.send(frameOf(`AAPL ${turn}.${version}`), 1);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await until(() => received.at(-1) === 'AAPL 299.3', 'the latest version delivered', 10_000);
    assert.ok(peer.counters.framesConflated > 0, `the client conflated (${peer.counters.framesConflated} frames replaced), as a TLS client on probation does`);
    assert.equal(peer.counters.framesDropped, 0);
    assert.deepEqual(linesFrom(start), [], 'moments behind are counted, not logged');
  } finally {
    await reader?.close();
    await server.close();
    rmSync(certificate.directory, { recursive: true, force: true });
  }
});
