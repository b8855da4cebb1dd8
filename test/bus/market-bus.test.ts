/**
 * Market data over a real nats-server: the gateway publishes md.<SYMBOL> and news.<SYMBOL>
 * in our binary codec; an orderbook subscribed to all symbols and one subscribed to a set
 * write their books; a restart of nats-server marks both books stale until the feed is
 * back, and both come back by themselves. The client works on Node 20 (its nuid package
 * declares node >= 22).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { connect } from '@nats-io/transport-node';
import { setLogLevel } from '../../src/core/log.js';
import { MessageDecoder } from '../../src/protocol/codec.js';
import { MessageType } from '../../src/protocol/messages.js';
import { BookReader } from '../../src/shm/index.js';
import { cleanupAll, spawnCli, uniqueShmName, waitForOutput } from '../helpers/resources.js';
import { NATS_SKIP, startNatsServer } from '../helpers/nats-server.js';
import { startGateway, until } from '../gateway/helpers.js';

setLogLevel('warn');
after(cleanupAll);

const SYMBOLS = ['AAPL', 'GOOGL', 'MSFT', 'BRK.B'];

function startOrderbook(args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawnCli(['orderbook', ...args]);
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { child, output: () => text };
}

test('the NATS client connects and round-trips on this Node', { skip: NATS_SKIP, timeout: 20_000 }, async () => {
  const server = await startNatsServer();
  const nc = await connect({ servers: server.url });
  const sub = nc.subscribe('probe', { max: 1 });
  nc.publish('probe', new Uint8Array([1, 2, 3]));
  for await (const message of sub) assert.deepEqual([...message.data], [1, 2, 3]);
  await nc.close();
  await server.stop();
  assert.ok(process.versions.node.length > 0, `node ${process.versions.node}`);
});

test('market data over the bus: books written on every subscriber, stale across a nats-server restart, live again after', { skip: NATS_SKIP, timeout: 40_000 }, async () => {
  const server = await startNatsServer();
  const gateway = await startGateway(['--rate', '50', '--news-interval', '0.2', '--symbols', SYMBOLS.join(','), '--bus', server.url]);
  assert.equal(gateway.ready['bus'], server.url, 'the gateway says where it publishes');

  // what is on the wire: our binary payloads, one subject per symbol
  const nc = await connect({ servers: server.url });
  const decoder = new MessageDecoder();
  const seen = new Map<string, number>();
  let news = 0;
  const sub = nc.subscribe('>', {
    callback: (_err, message) => {
      if (message.subject.startsWith('_INBOX') || message.subject.startsWith('$')) return;
      const payload = Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength);
      assert.notEqual(payload[0], 0x7b, 'binary, not JSON');
      const decoded = decoder.decode(payload, 0, payload.length);
      if (decoded.type === MessageType.MARKET_DATA) {
        assert.equal(message.subject, `md.${decoded.symbol}`);
        seen.set(decoded.symbol, (seen.get(decoded.symbol) ?? 0) + 1);
      } else if (decoded.type === MessageType.NEWS_SENTIMENT) {
        assert.equal(message.subject, `news.${decoded.symbol}`);
        news++;
      } else {
        assert.equal(message.subject, 'gateway.heartbeat');
      }
    },
  });
  await until(() => SYMBOLS.every((s) => (seen.get(s) ?? 0) >= 3) && news >= 1, 'market data of every symbol and news on the bus', 10_000);
  sub.unsubscribe();
  await nc.close();

  const allShm = uniqueShmName('bus-all');
  const someShm = uniqueShmName('bus-some');
  const all = startOrderbook(['--shm', allShm, '--bus', server.url]);
  const some = startOrderbook(['--shm', someShm, '--bus', server.url, '--symbols', 'AAPL,BRK.B']);
  await Promise.all([waitForOutput(all.child, /orderbook +ready /), waitForOutput(some.child, /orderbook +ready /)]);
  const readers = [BookReader.open(allShm), BookReader.open(someShm)];
  try {
    assert.deepEqual([...(readers[0] as BookReader).symbols].sort(), [...SYMBOLS].sort(), 'every symbol learnt from the bus');
    assert.deepEqual([...(readers[1] as BookReader).symbols], ['AAPL', 'BRK.B']);
    const updates = (): number[] => readers.map((r) => r.symbols.reduce((sum, s) => sum + r.updateCount(r.indexOf(s)), 0));
    const before = updates();
    await until(() => updates().every((n, i) => n > (before[i] ?? 0) + 5), 'books written from the bus', 10_000);
    assert.ok(readers.every((r) => r.feedConnected() && !r.isStale(500)), 'live while the bus carries data');
    assert.match(some.output(), /subjects=md\.AAPL,md\.BRK\.B,news\.AAPL,news\.BRK\.B,gateway\.heartbeat/);

    // nats-server goes away: both books are stale (nothing may trade on them) until it is back
    await server.stop();
    await until(() => readers.every((r) => !r.feedConnected()), 'both books marked stale while the bus is down', 5_000);
    await server.restart();
    const resumed = updates();
    await until(() => readers.every((r) => r.feedConnected()) && updates().every((n, i) => n > (resumed[i] ?? 0) + 5), 'both books live again after the restart', 15_000);
    assert.equal(all.child.exitCode, null);
    assert.equal(some.child.exitCode, null);
    assert.match(gateway.output(), /bus reconnected/);
    assert.ok((gateway.counters()['bus_skipped'] ?? 0) >= 0);
  } finally {
    for (const reader of readers) reader.close();
  }
  for (const child of [all.child, some.child, gateway.child]) child.kill('SIGTERM');
  await until(() => [all.child, some.child, gateway.child].every((c) => c.exitCode !== null), 'every component stopped', 10_000);
  assert.deepEqual([all.child.exitCode, some.child.exitCode, gateway.child.exitCode], [0, 0, 0]);
  await server.stop();
});

test('bad bus options are refused at once with every problem named', async () => {
  const child = spawnCli(['orderbook', '--shm', '/x', '--bus', 'http://nope', '--bus-user', 'u', '--bus-tls-cert', 'c.pem']);
  let text = '';
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const code = await new Promise((resolve) => child.once('exit', resolve));
  assert.equal(code, 2);
  assert.match(text, /E_CONFIG_INVALID/);
  assert.match(text, /--bus: "http:\/\/nope" is not nats:\/\/HOST:PORT/);
  assert.match(text, /--bus-user: needs a password/);
  assert.match(text, /--bus-tls-cert and --bus-tls-key: give both or neither/);
});
