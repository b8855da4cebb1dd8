/**
 * `trading gateway` as a real process: what a seed client, a binary client, a client that
 * never reads and a client that sends garbage each get, and how it fails to start.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { MessageDecoder, MessageEncoder } from '../../src/protocol/codec.js';
import { MessageType, PROTOCOL_VERSION } from '../../src/protocol/messages.js';
import { cleanupAll, spawnCli, stopChild, uniqueShmName, waitForExit } from '../helpers/resources.js';
import { Peer, rssBytes, startGateway, until } from './helpers.js';

after(cleanupAll);

const SYMBOLS = ['AAPL', 'GOOGL', 'MSFT', 'AMZN', 'TSLA'];

function helloPayload(binary: boolean, marketData = true, priority = false): Buffer {
  const encoder = new MessageEncoder({ mode: 'binary' });
  const bytes = encoder.encode({
    type: MessageType.HELLO,
    protocolVersion: PROTOCOL_VERSION,
    clientName: 'test',
    binary,
    ...(marketData ? {} : { marketData: false }),
    ...(priority ? { priority: true } : {}),
  });
  return Buffer.from(encoder.buffer.subarray(4, bytes));
}

function isLevels(value: unknown): boolean {
  if (!Array.isArray(value) || value.length < 5) return false;
  return value.every((level) => Array.isArray(level) && level.length === 2 && level.every((n) => typeof n === 'number' && Number.isFinite(n)));
}

test('a seed client that sends nothing gets the seed JSON: every symbol, news, the seed fields and types', { timeout: 20_000 }, async () => {
  const gateway = await startGateway(['--symbols', SYMBOLS.join(','), '--news-interval', '0.3']);
  const marketData = new Map<string, Record<string, unknown>[]>();
  const news: Record<string, unknown>[] = [];
  let notJson = 0;
  const peer = new Peer(gateway.port, (payload) => {
    if (payload[0] !== 0x7b) {
      notJson++;
      return;
    }
    const message = JSON.parse(payload.toString('utf8')) as { type: number; data: Record<string, unknown> };
    if (message.type === 1) {
      const symbol = String(message.data['symbol']);
      marketData.set(symbol, [...(marketData.get(symbol) ?? []), message.data]);
    } else if (message.type === 2) {
      news.push(message.data);
    }
  });
  await until(() => SYMBOLS.every((s) => (marketData.get(s)?.length ?? 0) >= 3) && news.length >= 2, 'market data for every symbol and news', 10_000);
  peer.destroy();
  assert.equal(notJson, 0, 'a client that never said hello gets JSON only');
  const nowS = Date.now() / 1000;
  for (const symbol of SYMBOLS) {
    for (const data of marketData.get(symbol) ?? []) {
      assert.equal(typeof data['timestamp'], 'number');
      assert.ok(Math.abs(Number(data['timestamp']) - nowS) < 60, 'timestamp is epoch seconds');
      assert.ok(isLevels(data['bids']) && isLevels(data['asks']), `levels of ${symbol}: ${JSON.stringify(data)}`);
      const bids = data['bids'] as number[][];
      const asks = data['asks'] as number[][];
      assert.ok(bids[0][0] < asks[0][0], 'best bid below best ask');
      for (let i = 1; i < bids.length; i++) assert.ok(bids[i][0] < bids[i - 1][0], 'bids best first (descending)');
      for (let i = 1; i < asks.length; i++) assert.ok(asks[i][0] > asks[i - 1][0], 'asks best first (ascending)');
      assert.equal(typeof data['last_price'], 'number');
      assert.equal(typeof data['volume'], 'number');
      assert.equal(typeof data['sequence'], 'number');
      assert.equal(typeof data['sent_ns'], 'number');
    }
  }
  // the seed's timestamp is a float: over a few updates at least one has a fraction
  assert.ok([...marketData.values()].flat().some((d) => !Number.isInteger(d['timestamp'])), 'float timestamps');
  for (const item of news) {
    assert.ok(SYMBOLS.includes(String(item['symbol'])));
    assert.equal(typeof item['timestamp'], 'number');
    assert.ok(['positive', 'negative', 'neutral'].includes(String(item['sentiment'])), `sentiment ${String(item['sentiment'])}`);
    assert.ok(typeof item['score'] === 'number' && item['score'] >= -1 && item['score'] <= 1);
    assert.ok(typeof item['headline'] === 'string' && item['headline'].length > 0);
  }
  assert.equal(await stopChild(gateway.child), 0, gateway.output());
});

/** The seed's client loop, verbatim in spirit: struct.unpack('>I'), recv, json.loads, dispatch on type. */
const SEED_CLIENT = `
import json, socket, struct, sys
sock = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
def recv_exact(n):
    data = b''
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk: raise SystemExit('closed')
        data += chunk
    return data
seen, news, floats = set(), 0, 0
while len(seen) < 5 or news < 1:
    (length,) = struct.unpack('>I', recv_exact(4))
    message = json.loads(recv_exact(length).decode('utf-8'))
    data = message['data']
    if message['type'] == 1:
        assert isinstance(data['timestamp'], (int, float)) and isinstance(data['last_price'], (int, float))
        floats += isinstance(data['timestamp'], float)
        best_bid, best_ask = data['bids'][0][0], data['asks'][0][0]
        assert best_bid < best_ask and len(data['bids']) >= 5
        seen.add(data['symbol'])
    elif message['type'] == 2:
        assert data['sentiment'] in ('positive', 'negative', 'neutral') and -1 <= data['score'] <= 1
        news += 1
assert floats > 0
print('ok', sorted(seen), news)
`;

test('a python client written like the seed reads the stream unchanged', { timeout: 20_000 }, async () => {
  const gateway = await startGateway(['--news-interval', '0.2']);
  const result = spawnSync('python3', ['-c', SEED_CLIENT, String(gateway.port)], { timeout: 15_000 });
  await stopChild(gateway.child);
  assert.equal(result.error, undefined, `python3 could not run: ${String(result.error)}`);
  assert.equal(result.status, 0, result.stderr.toString());
  assert.match(result.stdout.toString(), /^ok \['AAPL', 'AMZN', 'GOOGL', 'MSFT', 'TSLA'\]/);
});

test('a binary HELLO switches the stream to binary, with no sequence gaps', { timeout: 20_000 }, async () => {
  const gateway = await startGateway(['--rate', '200', '--symbols', 'AAPL,MSFT']);
  const decoder = new MessageDecoder();
  const sequences: number[] = [];
  const kinds: string[] = [];
  let sawBinary = false;
  let stampsOk = true;
  const peer = new Peer(gateway.port, (payload) => {
    const message = decoder.decode(payload, 0, payload.length);
    kinds.push(decoder.lastKind);
    if (decoder.lastKind === 'binary') sawBinary = true;
    if (!sawBinary) return;
    if (decoder.lastKind !== 'binary') stampsOk = false;
    if (message.type === MessageType.MARKET_DATA || message.type === MessageType.NEWS_SENTIMENT) {
      sequences.push(message.sequence);
      if (!(message.sentNs > 0)) stampsOk = false;
    }
  });
  await until(() => kinds.length >= 1, 'the first frame', 5_000);
  peer.sendPayload(helloPayload(true));
  await until(() => sequences.length >= 1_000, 'a thousand binary messages', 10_000);
  peer.destroy();
  assert.ok(stampsOk, 'after the first binary frame, every frame is binary and stamped');
  for (let i = 1; i < sequences.length; i++) assert.equal(sequences[i], sequences[i - 1] + 1, `gap after sequence ${sequences[i - 1]}`);
  assert.equal(kinds[0], 'json', 'the stream starts in JSON');
  assert.equal(await stopChild(gateway.child), 0);
});

test('a HELLO that asks for no market data gets news and no ticks, in either kind; the other clients get both', { timeout: 20_000 }, async () => {
  const gateway = await startGateway(['--rate', '200', '--symbols', 'AAPL,MSFT', '--news-interval', '0.05']);
  const counts = (): { ticks: number; news: number; kinds: Set<string> } => ({ ticks: 0, news: 0, kinds: new Set() });
  const listen = (into: ReturnType<typeof counts>, afterHello: () => boolean): ((payload: Buffer) => void) => {
    const decoder = new MessageDecoder();
    return (payload) => {
      const message = decoder.decode(payload, 0, payload.length);
      if (!afterHello()) return;
      into.kinds.add(decoder.lastKind);
      if (message.type === MessageType.MARKET_DATA) into.ticks += 1;
      else if (message.type === MessageType.NEWS_SENTIMENT) into.news += 1;
    };
  };
  // the gateway's JSON answer to the HELLO comes before anything sent under it: count from the frame after it
  const newsOnly = { binary: counts(), json: counts() };
  const peers: Peer[] = [];
  for (const kind of ['binary', 'json'] as const) {
    let answered = false;
    const onFrame = listen(newsOnly[kind], () => answered);
    const peer = new Peer(gateway.port, (payload) => {
      if (!answered && payload[0] === 0x7b && payload.includes('"type":9')) answered = true;
      else onFrame(payload);
    });
    peer.sendPayload(helloPayload(kind === 'binary', false));
    peers.push(peer);
  }
  const everything = counts();
  peers.push(new Peer(gateway.port, listen(everything, () => true)));
  await until(() => newsOnly.binary.news >= 5 && newsOnly.json.news >= 5 && everything.news >= 5, 'five news items on every client', 10_000);
  for (const peer of peers) peer.destroy();
  for (const kind of ['binary', 'json'] as const) {
    assert.equal(newsOnly[kind].ticks, 0, `the ${kind} news-only client got no MARKET_DATA`);
    assert.deepEqual([...newsOnly[kind].kinds], [kind], `the ${kind} news-only client is served in ${kind}`);
  }
  assert.ok(everything.ticks > everything.news, `a client that asked for nothing particular gets the ticks (${everything.ticks} beside ${everything.news} news)`);
  assert.equal(await stopChild(gateway.child), 0);
});

test('a HELLO asking priority is written each tick before the clients that connected before it', { timeout: 20_000 }, async () => {
  const gateway = await startGateway(['--rate', '200', '--symbols', 'AAPL,MSFT']);
  // which client each MARKET_DATA sequence reached first, in the order this process read them
  const firstReader = new Map<number, string>();
  const seen = { plain: 0, priority: 0 };
  // the sequence of the priority client's 20th binary tick: the rounds of the turn its HELLO
  // was admitted in may still go in the order their frames were queued
  let settledAt = Infinity;
  const reader = (name: 'plain' | 'priority'): ((payload: Buffer) => void) => {
    const decoder = new MessageDecoder();
    return (payload) => {
      const message = decoder.decode(payload, 0, payload.length);
      if (message.type !== MessageType.MARKET_DATA || decoder.lastKind !== 'binary') return;
      if (!firstReader.has(message.sequence)) firstReader.set(message.sequence, name);
      if (++seen[name] === 20 && name === 'priority') settledAt = message.sequence;
    };
  };
  const plain = new Peer(gateway.port, reader('plain'));
  plain.sendPayload(helloPayload(true));
  await until(() => seen.plain >= 10, 'binary ticks on the client that connected first', 5_000);
  const priority = new Peer(gateway.port, reader('priority'));
  priority.sendPayload(helloPayload(true, true, true));
  await until(() => seen.priority >= 300, '300 ticks on the priority client', 10_000);
  plain.destroy();
  priority.destroy();
  const both = [...firstReader.entries()].filter(([sequence]) => sequence > settledAt);
  assert.ok(both.length >= 250, `${both.length} ticks read by both`);
  const plainFirst = both.filter(([, name]) => name === 'plain').map(([sequence]) => sequence);
  // Which socket this process reads first is the gateway's write order, except that epoll
  // may hand over two sockets that became readable while it was collecting events in the
  // other order: on a loaded machine, a tick or two in a few hundred (seen: 2 of 290).
  // Without the priority flag the client that connected first is read first every time.
  assert.ok(plainFirst.length <= both.length * 0.02, `every tick but the reader's reorderings reached the priority client first; not: ${plainFirst.join(', ')} of ${both.length}`);
  assert.match(gateway.output(), /hello client=2 .*priority=true/);
  assert.equal(await stopChild(gateway.child), 0);
});

test('--keep-warm-ms: a quiet client gets a heartbeat every few ms, not every second; a news-only client only every second; the feed path runs dry, counted', { timeout: 20_000 }, async () => {
  const gateway = await startGateway(['--rate', '1', '--symbols', 'AAPL', '--keep-warm-ms', '1']);
  const decoder = new MessageDecoder();
  // a news reader (as the dashboard's feed): counted from its HELLO's answer on
  let newsOnlyAdmitted = false;
  let newsOnlyHeartbeats = 0;
  const newsOnly = new Peer(gateway.port, (payload) => {
    const type = decoder.decode(payload, 0, payload.length).type;
    if (type === MessageType.HELLO) newsOnlyAdmitted = true;
    else if (type === MessageType.HEARTBEAT && newsOnlyAdmitted) newsOnlyHeartbeats += 1;
  });
  await newsOnly.connected;
  newsOnly.sendPayload(helloPayload(true, false));
  await until(() => newsOnlyAdmitted, "the news-only client's HELLO answered", 10_000);
  let heartbeats = 0;
  const peer = new Peer(gateway.port, (payload) => {
    if (decoder.decode(payload, 0, payload.length).type === MessageType.HEARTBEAT) heartbeats += 1;
  });
  const startedMs = performance.now();
  try {
    // one tick a second: without the option, 50 heartbeats would take the better part of a minute
    await until(() => heartbeats >= 50, '50 heartbeats', 10_000);
    const elapsedS = (performance.now() - startedMs) / 1000;
    assert.ok(newsOnlyHeartbeats <= Math.ceil(elapsedS) + 1, `the news-only client got ${newsOnlyHeartbeats} heartbeats in ${elapsedS.toFixed(2)} s`);
    // the feed path stepped and encoded dry meanwhile, counted
    await until(() => (gateway.counters()['keep_warm_runs'] ?? 0) >= 50, '50 dry runs of the feed path in the counters', 10_000);
  } finally {
    peer.destroy();
    newsOnly.destroy();
  }
  assert.equal(await stopChild(gateway.child), 0);
});

test('a client that never reads: the gateway memory stays bounded and another client keeps its rate', { timeout: 40_000 }, async () => {
  const gateway = await startGateway(['--rate', 'max', '--max-backlog-bytes', String(1024 * 1024)]);
  const decoder = new MessageDecoder();
  let received = 0;
  const fast = new Peer(gateway.port, (payload) => {
    if (decoder.decode(payload, 0, payload.length).type === MessageType.MARKET_DATA) received++;
  });
  await fast.connected;
  fast.sendPayload(helloPayload(true));
  const rateOver = async (ms: number): Promise<number> => {
    const from = received;
    const started = performance.now();
    await sleep(ms);
    return ((received - from) * 1000) / (performance.now() - started);
  };
  await until(() => received > 1_000, 'the first client streaming', 10_000);
  const alone = await rateOver(1_500);
  const rssBefore = rssBytes(gateway.pid);

  // connects, says nothing, reads nothing: its socket and our queue to it fill up
  const stalled = new Peer(gateway.port);
  await stalled.connected;
  stalled.socket.pause();
  // filled up: the gateway says so (a slow-consumer event), however long that takes here
  await until(() => (gateway.counters()['slow_consumer_events'] ?? 0) >= 1, 'a slow-consumer event in the counters', 20_000);
  const rssStalled = rssBytes(gateway.pid);
  const withStalled = await rateOver(2_000);
  const rssAfter = rssBytes(gateway.pid);
  const counters = gateway.counters();
  stalled.destroy();
  fast.destroy();
  assert.equal(await stopChild(gateway.child), 0);

  const mib = (bytes: number): string => (bytes / 1048576).toFixed(1);
  const summary = `rate alone ${alone.toFixed(0)}/s, with a stalled client ${withStalled.toFixed(0)}/s; rss ${mib(rssBefore)} → ${mib(rssStalled)} → ${mib(rssAfter)} MiB; counters ${JSON.stringify(counters)}`;
  process.stdout.write(`# ${summary}\n`);
  assert.ok(alone > 5_000, `max rate streams fast: ${summary}`);
  // A gateway that waited for the stalled client would stop the other within a socket
  // buffer (a rate near 0); the two rates are measured at different times on a machine
  // shared with other work, so only a collapse, not a dip, is the failure.
  assert.ok(withStalled > alone * 0.2, `the stalled client does not slow the other: ${summary}`);
  // conflation bounds the stalled client at 3 × 1 MiB; allow for GC slack, not for growth
  assert.ok(rssAfter - rssBefore < 48 * 1048576, `memory bounded: ${summary}`);
  assert.ok(rssAfter - rssStalled < 16 * 1048576, `no growth while stalled: ${summary}`);
  assert.ok((counters['frames_conflated'] ?? 0) > 0, 'the stalled client is conflated');
  assert.ok((counters['market_data_sent'] ?? 0) > 0, 'market data counted');
  assert.match(gateway.output(), /slow consumer: conflating/);
});

test('garbage and oversized frames close only the client that sent them', { timeout: 20_000 }, async () => {
  const gateway = await startGateway(['--rate', '50']);
  let good = 0;
  const bystander = new Peer(gateway.port, () => good++);
  await bystander.connected;

  const errors: string[] = [];
  const collect = (payload: Buffer): void => {
    if (payload[0] === 0x7b && payload.includes('"type":11')) errors.push(payload.toString('utf8'));
  };
  const http = new Peer(gateway.port, collect);
  await http.connected;
  http.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'); // 'GET ' as a length: far too large
  const oversized = new Peer(gateway.port, collect);
  await oversized.connected;
  const header = Buffer.alloc(4);
  header.writeUInt32BE(10 * 1024 * 1024);
  oversized.socket.write(header);
  const unknownKind = new Peer(gateway.port, collect);
  await unknownKind.connected;
  unknownKind.sendPayload(Buffer.from([0xff, 0xfe, 0x00, 0x01]));
  const badJson = new Peer(gateway.port, collect);
  await badJson.connected;
  badJson.sendPayload(Buffer.from('{"type": 9, "data": '));

  await Promise.all([http.closed, oversized.closed, unknownKind.closed, badJson.closed]);
  assert.equal(errors.length, 4, `each got an error frame: ${errors.join(' | ')}`);
  assert.ok(errors.some((e) => e.includes('E_FRAME_TOO_LARGE')));
  assert.ok(errors.some((e) => e.includes('E_PAYLOAD_UNKNOWN_KIND')));
  const before = good;
  await until(() => good >= before + 20, 'the bystander keeps receiving', 5_000);
  assert.equal(bystander.socket.destroyed, false);
  bystander.destroy();
  assert.equal(await stopChild(gateway.child), 0);
  assert.match(gateway.output(), /bad frame: closing client/);
});

test('a port in use is one line with E_PORT_IN_USE and exit 1', { timeout: 15_000 }, async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  try {
    const child = spawnCli(['gateway', '--port', String(address.port), '--shm', uniqueShmName('port-in-use')]);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    assert.equal(await waitForExit(child), 1);
    const lines = output.trim().split('\n');
    assert.equal(lines.length, 1, output);
    assert.match(lines[0] ?? '', /E_PORT_IN_USE/);
  } finally {
    server.close();
  }
});

test('bad flags exit 2 naming each bad field', { timeout: 15_000 }, async () => {
  const run = async (args: string[]): Promise<{ code: number | string; output: string }> => {
    const child = spawnCli(args);
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    return { code: await waitForExit(child), output };
  };
  const gateway = await run(['gateway', '--rate', 'fast', '--port', '70000', '--slow-consumer', 'drop', '--symbols', 'aapl']);
  assert.equal(gateway.code, 2);
  for (const field of ['--rate', '--port', '--slow-consumer', '--symbols']) assert.match(gateway.output, new RegExp(field), gateway.output);
  const zeroRate = await run(['gateway', '--rate', '0']);
  assert.equal(zeroRate.code, 2);
  assert.match(zeroRate.output, /--rate: must be > 0/);
  const unknown = await run(['gateway', '--bogus']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.output, /--bogus/);
});
