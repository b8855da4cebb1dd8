/**
 * Record and replay through the real commands: what `trading record` writes from a gateway,
 * `trading gateway --replay` serves back frame for frame, for our gateway (binary) and for
 * a gateway that speaks only the seed's JSON; `trading gateway --record` records what it
 * sends; `trading import` turns the sample CSV into a recording.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageDecoder, MessageEncoder } from '../../src/protocol/codec.js';
import { encodeFrame } from '../../src/protocol/framing.js';
import { MessageType, PROTOCOL_VERSION, Sentiment, type MarketData } from '../../src/protocol/messages.js';
import { RecordingWriter } from '../../src/protocol/recording-writer.js';
import { createL2Book } from '../../src/core/book.js';
import { Recording } from '../../src/protocol/recording-reader.js';
import { runCli } from '../helpers/cli.js';
import { cleanupAll, stopChild, tempDir } from '../helpers/resources.js';
import { Peer, startGateway, until } from '../gateway/helpers.js';

after(cleanupAll);

const decoder = new MessageDecoder();
const typeOf = (payload: Buffer): number => decoder.decode(payload, 0, payload.length).type;
const SAMPLE_CSV = fileURLToPath(new URL('../../../examples/data/sample-l2.csv', import.meta.url));

function binaryHello(): Buffer {
  const encoder = new MessageEncoder({ mode: 'binary' });
  const bytes = encoder.encode({ type: MessageType.HELLO, protocolVersion: PROTOCOL_VERSION, clientName: 'test', binary: true });
  return Buffer.from(encoder.buffer.subarray(4, bytes));
}

/** Replay `file` at max speed to one peer; resolve with the data payloads it received (no heartbeats). */
async function replayToPeer(file: string, binary: boolean, frames: number): Promise<Buffer[]> {
  const replay = await startGateway(['--replay', file, '--speed', 'max', binary ? '--wait-for-hellos' : '--wait-for-clients', '1']);
  const received: Buffer[] = [];
  // the replay answers our HELLO (session negotiation) before the recording starts: not a recorded frame
  let answered = !binary;
  const peer = new Peer(replay.port, (payload) => {
    if (!answered && typeOf(payload) === MessageType.HELLO) {
      answered = true;
      return;
    }
    if (typeOf(payload) !== MessageType.HEARTBEAT) received.push(Buffer.from(payload));
  });
  try {
    await peer.connected;
    if (binary) peer.sendPayload(binaryHello());
    await until(() => received.length >= frames, `${frames} replayed frames`, 20_000);
    // the replay publishes the gateway's counters segment, as the live gateway does (trading stat, /metrics)
    await until(() => (replay.counters()['frames_replayed'] ?? 0) >= frames, 'frames_replayed in the counters segment', 5_000);
    assert.equal(replay.counters()['clients'], 1);
    assert.equal(replay.counters()['binary_clients'], binary ? 1 : 0);
    return received;
  } finally {
    peer.destroy();
    await stopChild(replay.child);
  }
}

test('trading record of our gateway, replayed: frame for frame the recorded stream', { timeout: 60_000 }, async () => {
  const dir = tempDir('record');
  const gateway = await startGateway(['--rate', '200', '--symbols', 'AAPL,MSFT', '--news-interval', '0.05']);
  const file = join(dir, 'ours.rec');
  try {
    const recorded = await runCli(['record', '--gateway', `127.0.0.1:${gateway.port}`, '--out', file, '--frames', '400']);
    assert.equal(recorded.code, 0, recorded.output);
    assert.match(recorded.output, /recorded 400 frames/);
  } finally {
    await stopChild(gateway.child);
  }
  const recording = Recording.open(file);
  assert.equal(recording.frameCount, 400);
  assert.equal(recording.damage, undefined);
  const kinds = new Set(Array.from({ length: 400 }, (_, i) => recording.payload(i)[0] === 0x7b ? 'json' : 'binary'));
  assert.ok(kinds.has('binary'), 'the recorder asked for binary');
  const types = Array.from({ length: 400 }, (_, i) => typeOf(recording.payload(i)));
  assert.ok(types.includes(MessageType.MARKET_DATA) && types.includes(MessageType.NEWS_SENTIMENT));
  for (let i = 1; i < 400; i++) assert.ok((recording.receiveNs[i] ?? 0) >= (recording.receiveNs[i - 1] ?? 0), 'receive times never go back');

  // the frames the recorder got before our gateway switched to binary are JSON: a binary
  // client gets those transcoded, so compare from the first binary frame on
  const firstBinary = Array.from({ length: 400 }, (_, i) => recording.payload(i)[0] !== 0x7b).indexOf(true);
  const expected = Array.from({ length: 400 }, (_, i) => recording.payload(i)).filter((p) => typeOf(p) !== MessageType.HEARTBEAT);
  const replayed = await replayToPeer(file, true, expected.length);
  assert.equal(replayed.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (i < firstBinary) assert.deepEqual(decoder.decode(replayed[i] ?? Buffer.alloc(0), 0, replayed[i]?.length ?? 0).type, typeOf(expected[i] ?? Buffer.alloc(0)));
    else assert.ok(replayed[i]?.equals(expected[i] ?? Buffer.alloc(0)), `frame ${i} replayed byte for byte`);
  }
});

test('a gateway that speaks only JSON is recorded, and replayed to a JSON client byte for byte what it sent', { timeout: 60_000 }, async () => {
  // the seed's gateway: JSON frames to whoever connects, never reads a byte
  const encoder = new MessageEncoder({ mode: 'json' });
  const sent: Buffer[] = [];
  for (let i = 0; i < 120; i++) {
    const tick: MarketData = {
      type: MessageType.MARKET_DATA, symbol: i % 2 === 0 ? 'AAPL' : 'MSFT', timestamp: 1_700_000_000 + i * 0.1,
      bidPrices: new Float64Array([1_500_000 + i, 1_499_900 + i]), bidSizes: new Float64Array([100, 200]),
      askPrices: new Float64Array([1_500_100 + i, 1_500_200 + i]), askSizes: new Float64Array([300, 400]),
      bidCount: 2, askCount: 2, lastPrice: 1_500_050, volume: 1000 + i, sequence: 0, sentNs: 0,
    };
    const bytes = encoder.encode(tick);
    sent.push(Buffer.from(encoder.buffer.subarray(4, bytes)));
  }
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    let i = 0;
    const timer = setInterval(() => {
      for (let k = 0; k < 10 && i < sent.length; k++, i++) socket.write(encodeFrame(sent[i] ?? Buffer.alloc(0)));
      if (i >= sent.length) clearInterval(timer);
    }, 5);
    socket.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const file = join(tempDir('record-json'), 'seed.rec');
  try {
    const recorded = await runCli(['record', '--gateway', `127.0.0.1:${port}`, '--out', file, '--frames', '120', '--mode', 'json']);
    assert.equal(recorded.code, 0, recorded.output);
  } finally {
    for (const socket of sockets) socket.destroy();
    server.close();
  }
  const recording = Recording.open(file);
  assert.equal(recording.frameCount, 120);
  for (let i = 0; i < 120; i++) assert.ok(recording.payload(i).equals(sent[i] ?? Buffer.alloc(0)), `recorded frame ${i}`);
  const replayed = await replayToPeer(file, false, 120);
  for (let i = 0; i < 120; i++) assert.ok(replayed[i]?.equals(sent[i] ?? Buffer.alloc(0)), `replayed frame ${i} is what the JSON gateway sent`);
  // the same recording to a binary client: the same messages, transcoded
  const asBinary = await replayToPeer(file, true, 120);
  const original = decoder.decode(sent[7] ?? Buffer.alloc(0), 0, sent[7]?.length ?? 0) as MarketData;
  const copy = new MessageDecoder().decode(asBinary[7] ?? Buffer.alloc(0), 0, asBinary[7]?.length ?? 0) as MarketData;
  assert.notEqual(asBinary[7]?.[0], 0x7b, 'binary');
  assert.equal(copy.symbol, original.symbol);
  assert.equal(copy.bidPrices[0], original.bidPrices[0]);
  assert.equal(copy.volume, original.volume);
});

test('trading gateway --record records what it sends; speed 1 replays at the recorded pace', { timeout: 60_000 }, async () => {
  const file = join(tempDir('gateway-record'), 'sent.rec');
  const gateway = await startGateway(['--rate', '50', '--symbols', 'AAPL', '--record', file]);
  const seen: Buffer[] = [];
  const peer = new Peer(gateway.port, (payload) => {
    if (typeOf(payload) === MessageType.MARKET_DATA) seen.push(Buffer.from(payload));
  });
  await peer.connected;
  peer.sendPayload(binaryHello());
  await until(() => seen.length >= 30, '30 ticks');
  peer.destroy();
  assert.equal(await stopChild(gateway.child), 0);
  const recording = Recording.open(file);
  const ticks = Array.from({ length: recording.frameCount }, (_, i) => recording.payload(i)).filter((p) => typeOf(p) === MessageType.MARKET_DATA);
  assert.ok(ticks.length >= 30);
  // what the client got in binary is in the recording, byte for byte
  const recorded = new Set(ticks.map((p) => p.toString('hex')));
  const binarySeen = seen.filter((p) => p[0] !== 0x7b);
  assert.ok(binarySeen.length > 20);
  for (const payload of binarySeen) assert.ok(recorded.has(payload.toString('hex')));
  // 50 ticks/s recorded: 25 ticks replayed at speed 1 take about half a second
  const replay = await startGateway(['--replay', file, '--speed', '1', '--wait-for-hellos', '1']);
  const times: number[] = [];
  const client = new Peer(replay.port, (payload) => {
    if (typeOf(payload) === MessageType.MARKET_DATA) times.push(performance.now());
  });
  await client.connected;
  client.sendPayload(binaryHello());
  await until(() => times.length >= 26, '26 replayed ticks', 10_000);
  const spanMs = (times[25] ?? 0) - (times[0] ?? 0);
  client.destroy();
  await stopChild(replay.child);
  assert.ok(spanMs > 350 && spanMs < 1500, `25 intervals of 20 ms took ${spanMs.toFixed(0)} ms`);
});

test('trading import turns the sample CSV into a recording of its snapshots; a bad CSV names the line', { timeout: 30_000 }, async () => {
  const dir = tempDir('import');
  const file = join(dir, 'sample.rec');
  const result = await runCli(['import', '--csv', SAMPLE_CSV, '--out', file]);
  assert.equal(result.code, 0, result.output);
  assert.match(result.output, /imported 1200 snapshots of AAPL,MSFT \(5 levels\) spanning 59\.900 s/);
  const recording = Recording.open(file);
  assert.equal(recording.frameCount, 1200);
  const first = decoder.decode(recording.payload(0), 0, recording.payload(0).length) as MarketData;
  assert.equal(first.symbol, 'AAPL');
  assert.equal(first.sequence, 1);
  assert.equal(first.bidPrices[0], 1_799_900);
  assert.equal(first.askSizes[0], 200);
  assert.equal(first.bidCount, 5);
  assert.equal(first.timestamp, Date.parse('2024-03-01T14:30:00.000Z') / 1000);
  assert.equal(recording.receiveNs[1199], 59.9e9);

  const { writeFileSync } = await import('node:fs');
  const bad = join(dir, 'bad.csv');
  writeFileSync(bad, 'time,symbol,bid_price_1,bid_size_1,ask_price_1,ask_size_1\n1700000000,AAPL,100,10,100.02,10\n1700000001,AAPL,100.05,10,100.02,10\n');
  const refused = await runCli(['import', '--csv', bad, '--out', join(dir, 'bad.rec')]);
  assert.equal(refused.code, 1, refused.output);
  assert.match(refused.output, /E_CSV_INVALID: .*bad\.csv:3: the best bid is not below the best ask/);
});

test('trading gateway --replay takes the live gateway\'s session policy: no bind beyond loopback without credentials; --no-anonymous and claims proven', { timeout: 60_000 }, async () => {
  const { writeFileSync } = await import('node:fs');
  const { generateSecret, hashSecret } = await import('../../src/session/credentials.js');
  const dir = tempDir('replay-session');
  const file = join(dir, 'sample.rec');
  assert.equal((await runCli(['import', '--csv', SAMPLE_CSV, '--out', file])).code, 0);

  // beyond loopback without credentials: refused at the start, as the live gateway is
  const insecure = await runCli(['gateway', '--port', '0', '--host', '0.0.0.0', '--replay', file]);
  assert.equal(insecure.code, 1, insecure.output);
  assert.match(insecure.output, /E_INSECURE_BIND/);

  const secret = generateSecret();
  const authFile = join(dir, 'auth');
  writeFileSync(authFile, `${await hashSecret('strategy', secret)}\n`, { mode: 0o600 });
  const replay = await startGateway(['--replay', file, '--speed', 'max', '--loop', '--auth-file', authFile, '--no-anonymous']);
  assert.equal(replay.ready['authenticated'], true);
  assert.equal(replay.ready['anonymous'], false);
  const hello = (token?: string): Buffer =>
    Buffer.from(JSON.stringify({ type: MessageType.HELLO, data: { protocol_version: PROTOCOL_VERSION, client_name: 'strategy', binary: false, ...(token === undefined ? {} : { auth_token: token }) } }));
  const peers: { peer: Peer; types: number[]; errors: string[] }[] = [];
  const open = async (token?: string | null): Promise<(typeof peers)[number]> => {
    const entry = { peer: undefined as unknown as Peer, types: [] as number[], errors: [] as string[] };
    entry.peer = new Peer(replay.port, (payload) => {
      const message = decoder.decode(payload, 0, payload.length);
      entry.types.push(message.type);
      if (message.type === MessageType.ERROR) entry.errors.push(message.code);
    });
    peers.push(entry);
    await entry.peer.connected;
    if (token !== null) entry.peer.sendPayload(hello(token));
    return entry;
  };
  try {
    const owner = await open(secret);
    const wrong = await open(generateSecret());
    const claim = await open(undefined);
    const anonymousHello = await open(null);
    anonymousHello.peer.sendPayload(Buffer.from(JSON.stringify({ type: MessageType.HELLO, data: { protocol_version: PROTOCOL_VERSION, client_name: 'seed-like', binary: false } })));
    await until(() => owner.types.filter((type) => type === MessageType.MARKET_DATA).length >= 100, 'the replay to the proven client');
    await Promise.all([wrong, claim, anonymousHello].map((entry) => entry.peer.closed));
    assert.deepEqual(wrong.errors, ['E_AUTH_FAILED']);
    assert.deepEqual(claim.errors, ['E_AUTH_FAILED']);
    assert.deepEqual(anonymousHello.errors, ['E_AUTH_REQUIRED']);
    for (const refused of [wrong, claim, anonymousHello]) assert.equal(refused.types.includes(MessageType.MARKET_DATA), false, 'a refused client got market data');
    assert.match(replay.output(), /session refused: closing client .*code=E_AUTH_FAILED/);
    assert.ok(!replay.output().includes(secret), 'no secret in the log');
  } finally {
    for (const { peer } of peers) peer.destroy();
    await stopChild(replay.child);
  }
});

test('the replay gateway sends a client whose HELLO asks for no market data only the news of the recording', { timeout: 30_000 }, async () => {
  const file = join(tempDir('replay-news-only'), 'mixed.rec');
  const writer = new RecordingWriter(file);
  const encoder = new MessageEncoder({ mode: 'binary' });
  const news = { type: MessageType.NEWS_SENTIMENT, symbol: 'AAPL', timestamp: 1, sentiment: Sentiment.POSITIVE, score: 0.5, headline: 'up', sequence: 0, sentNs: 1 } as const;
  const tick: MarketData = { ...createL2Book(5), type: MessageType.MARKET_DATA, symbol: 'AAPL' };
  tick.bidCount = 1;
  tick.askCount = 1;
  tick.bidPrices[0] = 100;
  tick.bidSizes[0] = 1;
  tick.askPrices[0] = 101;
  tick.askSizes[0] = 1;
  // 10 news items, each after 9 ticks
  for (let sequence = 1; sequence <= 100; sequence++) {
    const bytes = sequence % 10 === 0 ? encoder.encode({ ...news, sequence }) : encoder.encode({ ...tick, sequence });
    writer.append(encoder.buffer, 4, bytes - 4, sequence * 1000);
  }
  writer.close();
  const replay = await startGateway(['--replay', file, '--speed', 'max', '--wait-for-hellos', '1']);
  const types: number[] = [];
  let answered = false;
  const peer = new Peer(replay.port, (payload) => {
    const type = typeOf(payload);
    if (!answered && type === MessageType.HELLO) answered = true;
    else if (answered && type !== MessageType.HEARTBEAT) types.push(type);
  });
  try {
    await peer.connected;
    const bytes = encoder.encode({ type: MessageType.HELLO, protocolVersion: PROTOCOL_VERSION, clientName: 'news-display', binary: true, marketData: false });
    peer.sendPayload(Buffer.from(encoder.buffer.subarray(4, bytes)));
    await until(() => types.length >= 10, 'the ten news items', 10_000);
    assert.deepEqual(types, new Array(10).fill(MessageType.NEWS_SENTIMENT), 'news only, every item');
  } finally {
    peer.destroy();
    await stopChild(replay.child);
  }
});
