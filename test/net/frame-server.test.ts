import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { ErrorCode, TradingError, isTradingError } from '../../src/core/errors.js';
import { FrameServer, type FrameServerOptions } from '../../src/net/frame-server.js';
import type { FrameServerClient } from '../../src/net/frame-server-client.js';
import { cleanupAll } from '../helpers/resources.js';
import { RawPeer, captureLogs, destroyedAfterEach, frameOf, until } from './helpers.js';

const logs = captureLogs();
const { peers, servers } = destroyedAfterEach();
after(cleanupAll);

interface Harness {
  server: FrameServer<unknown>;
  port: number;
  received: { client: number; text: string }[];
  connected: FrameServerClient<unknown>[];
  disconnects: { client: number; reason: Error | undefined }[];
}

async function startServer(options: Partial<FrameServerOptions> = {}): Promise<Harness> {
  const received: Harness['received'] = [];
  const connected: Harness['connected'] = [];
  const disconnects: Harness['disconnects'] = [];
  const server = new FrameServer({
    onFrame: (client, buffer, offset, length) => received.push({ client: client.id, text: buffer.toString('utf8', offset, offset + length) }),
    onConnect: (client) => connected.push(client),
    onDisconnect: (client, reason) => disconnects.push({ client: client.id, reason }),
    ...options,
  });
  servers.push(server);
  const { port } = await server.listen(0);
  return { server, port, received, connected, disconnects };
}

async function connectPeer(harness: Harness): Promise<{ peer: RawPeer; client: FrameServerClient<unknown> }> {
  const before = harness.connected.length;
  const peer = RawPeer.connect(harness.port);
  peers.push(peer);
  await peer.connected;
  await until(() => harness.connected.length > before, 'the server to accept');
  const client = harness.connected[before];
  assert.ok(client !== undefined);
  return { peer, client };
}

/** Counts every socket write in this process until restore(). */
function countSocketWrites(): { readonly count: number; readonly remotePorts: number[]; restore(): void } {
  const originalWrite = Socket.prototype.write;
  const counter = {
    count: 0,
    /** The remote port of each write's socket, in write order (which client was written when). */
    remotePorts: [] as number[],
    restore: () => {
      Socket.prototype.write = originalWrite;
    },
  };
  Socket.prototype.write = function countingWrite(this: Socket, ...args: Parameters<Socket['write']>) {
    counter.count++;
    counter.remotePorts.push(this.remotePort ?? 0);
    return originalWrite.apply(this, args);
  } as Socket['write'];
  return counter;
}

function codeOf(error: Error | undefined): string | undefined {
  return isTradingError(error) ? error.code : undefined;
}

test('listens on an ephemeral port of 127.0.0.1 and carries frames both ways', async () => {
  const harness = await startServer();
  assert.equal(harness.server.address?.host, '127.0.0.1');
  assert.ok(harness.port > 0);
  const { peer, client } = await connectPeer(harness);
  assert.equal(client.remoteAddress, '127.0.0.1');
  assert.equal(client.mode, 'json');
  peer.send('{"type":7,"data":{}}');
  peer.send('second');
  await until(() => harness.received.length === 2, 'two frames at the server');
  assert.deepEqual(harness.received.map((r) => r.text), ['{"type":7,"data":{}}', 'second']);
  assert.equal(client.send(frameOf('reply')), 'sent');
  assert.equal(client.sendPayload(Buffer.from('..payload..'), 2, 7), 'sent');
  await peer.waitFrames(2);
  assert.deepEqual(peer.frames, ['reply', 'payload']);
  assert.equal(client.counters.framesIn, 2);
  assert.equal(client.counters.framesOut, 2);
  assert.equal(harness.server.counters().clientsConnected, 1);
});

test('frames split byte by byte and many frames merged in one write all arrive in order', async () => {
  const harness = await startServer();
  const { peer } = await connectPeer(harness);
  const split = frameOf('split across many segments');
  for (const byte of split) {
    peer.socket.write(Buffer.from([byte]));
    await new Promise((resolve) => setImmediate(resolve));
  }
  peer.socket.write(Buffer.concat(Array.from({ length: 500 }, (_, i) => frameOf(`merged ${i}`))));
  await until(() => harness.received.length === 501, '501 frames');
  assert.equal(harness.received[0]?.text, 'split across many segments');
  assert.deepEqual(harness.received.slice(1).map((r) => r.text), Array.from({ length: 500 }, (_, i) => `merged ${i}`));
});

test('frames sent in one turn leave in one socket write per client', async () => {
  const harness = await startServer();
  const first = await connectPeer(harness);
  const second = await connectPeer(harness);
  const writes = countSocketWrites();
  try {
    for (let i = 0; i < 1000; i++) assert.equal(harness.server.broadcast(frameOf(`tick ${i}`)), 2);
    assert.equal(writes.count, 0, 'nothing is written during the turn');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(writes.count, 2, 'one write for each of the two clients');
  } finally {
    writes.restore();
  }
  await first.peer.waitFrames(1000);
  await second.peer.waitFrames(1000);
  assert.equal(first.peer.frames[999], 'tick 999');
});

test('a client servedFirst is written before the others, whatever the order its frames were queued in', async () => {
  const harness = await startServer();
  const first = await connectPeer(harness);
  const second = await connectPeer(harness);
  const third = await connectPeer(harness);
  third.client.servedFirst = true;
  const writes = countSocketWrites();
  try {
    for (let i = 0; i < 3; i++) harness.server.broadcast(frameOf(`tick ${i}`));
    harness.server.flush();
    assert.deepEqual(writes.remotePorts, [third.client.remotePort, first.client.remotePort, second.client.remotePort]);
    // and at the end of the turn, when nobody calls flush()
    third.client.servedFirst = false;
    second.client.servedFirst = true;
    harness.server.broadcast(frameOf('tick 3'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(writes.remotePorts.slice(3), [second.client.remotePort, first.client.remotePort, third.client.remotePort]);
  } finally {
    writes.restore();
  }
  for (const { peer } of [first, second, third]) await peer.waitFrames(4);
  assert.deepEqual(third.peer.frames, ['tick 0', 'tick 1', 'tick 2', 'tick 3']);
});

test('flush() writes what this turn queued at once, still one socket write per client', async () => {
  const harness = await startServer();
  const first = await connectPeer(harness);
  const second = await connectPeer(harness);
  const writes = countSocketWrites();
  try {
    for (let i = 0; i < 10; i++) harness.server.broadcast(frameOf(`tick ${i}`));
    harness.server.flush();
    assert.equal(writes.count, 2, 'written before the turn ends, one write for each client');
    harness.server.flush();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(writes.count, 2, 'nothing is left for the end of the turn');
  } finally {
    writes.restore();
  }
  await first.peer.waitFrames(10);
  await second.peer.waitFrames(10);
  assert.deepEqual(first.peer.frames, Array.from({ length: 10 }, (_, i) => `tick ${i}`));
});

test('a port in use is E_PORT_IN_USE', async () => {
  const harness = await startServer();
  const second = new FrameServer({ onFrame: () => undefined });
  servers.push(second);
  await assert.rejects(second.listen(harness.port), (error: unknown) => {
    assert.ok(error instanceof TradingError);
    assert.equal(error.code, ErrorCode.PORT_IN_USE);
    assert.match(error.message, new RegExp(`${harness.port}.*in use`));
    return true;
  });
});

for (const [label, bytes, code] of [
  ['an oversized length', Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]), ErrorCode.FRAME_TOO_LARGE],
  ['a zero length', Buffer.from([0, 0, 0, 0]), ErrorCode.FRAME_EMPTY],
  ['garbage (an HTTP request)', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), ErrorCode.FRAME_TOO_LARGE],
] as const) {
  test(`${label} closes only that client, after an error frame; a second client is unaffected`, async () => {
    const harness = await startServer({ maxFrameBytes: 4096 });
    const logStart = logs.length;
    const bad = await connectPeer(harness);
    const good = await connectPeer(harness);
    good.peer.send('before');
    bad.peer.socket.write(bytes);
    await bad.peer.closed;
    assert.equal(bad.peer.frames.length, 1, 'exactly one frame: the error');
    const error = JSON.parse(bad.peer.frames[0] ?? '') as { type: number; data: { code: string; message: string } };
    assert.equal(error.type, 11);
    assert.equal(error.data.code, code);
    assert.ok(error.data.message.length > 10);
    await until(() => harness.disconnects.length === 1, 'the disconnect callback');
    assert.equal(harness.disconnects[0]?.client, bad.client.id);
    assert.equal(codeOf(harness.disconnects[0]?.reason), code);
    assert.equal(bad.client.counters.badFrames, 1);
    assert.equal(harness.server.counters().badFrames, 1);
    assert.equal(logs.slice(logStart).filter((line) => line.includes('bad frame') && line.includes(`client=${bad.client.id}`)).length, 1, 'one log line');
    // the other client goes on both ways
    assert.equal(harness.server.broadcast(frameOf('after')), 1);
    good.peer.send('still here');
    await good.peer.waitFrames(1);
    await until(() => harness.received.some((r) => r.text === 'still here'), 'the good client frame');
    assert.deepEqual(good.peer.frames, ['after']);
    assert.equal(good.client.open, true);
    assert.deepEqual(harness.received.map((r) => r.text), ['before', 'still here']);
  });
}

test('a custom error payload builder is used for the error frame', async () => {
  const harness = await startServer({ maxFrameBytes: 16, errorPayload: (error) => Buffer.from(`ERR ${error.code}`) });
  const { peer } = await connectPeer(harness);
  peer.send('x'.repeat(17));
  await peer.closed;
  assert.deepEqual(peer.frames, [`ERR ${ErrorCode.FRAME_TOO_LARGE}`]);
});

test('a frame handler that throws costs that client its connection, not the server', async () => {
  const served: string[] = [];
  const harness = await startServer({
    onFrame: (_client, buffer, offset, length) => {
      const text = buffer.toString('utf8', offset, offset + length);
      if (text === 'explode') throw new Error('handler bug');
      served.push(text);
    },
  });
  const boom = await connectPeer(harness);
  const calm = await connectPeer(harness);
  boom.peer.send('explode');
  await boom.peer.closed;
  calm.peer.send('fine');
  await until(() => served.includes('fine'), 'the other client served');
  assert.equal(harness.server.counters().handlerErrors, 1);
  assert.equal(harness.disconnects[0]?.reason?.message, 'handler bug');
  assert.equal(calm.client.open, true);
  assert.equal(harness.server.clients.size, 1);
});

/** Write big frames to a peer that does not read, one batch per turn, until `stop()` says so. */
async function floodUntil(client: FrameServerClient<unknown>, frame: Buffer, stop: () => boolean, check: () => void, key?: string): Promise<number> {
  let attempted = 0;
  while (!stop()) {
    // a few per turn: the kernel's buffers fill first, then the backlog (one turn's batch counts too)
    for (let i = 0; i < 4 && !stop(); i++) {
      client.send(frame, key);
      attempted++;
      check();
    }
    await new Promise((resolve) => setImmediate(resolve));
    if (attempted > 200_000) assert.fail('the policy never fired');
  }
  return attempted;
}

test('disconnect policy: a client that never reads is dropped with E_SLOW_CONSUMER, backlog bounded', async () => {
  const maxBacklogBytes = 256 * 1024;
  const harness = await startServer({ maxBacklogBytes, slowConsumerPolicy: 'disconnect' });
  const slow = await connectPeer(harness);
  const other = await connectPeer(harness);
  slow.peer.socket.pause(); // never reads: the kernel buffers fill, then our backlog
  const frame = frameOf('s'.repeat(16 * 1024));
  let maxBacklog = 0;
  const attempted = await floodUntil(
    slow.client,
    frame,
    () => !slow.client.open,
    () => {
      maxBacklog = Math.max(maxBacklog, slow.client.backlogBytes);
    },
  );
  await until(() => harness.disconnects.length === 1, 'the slow client to be dropped');
  assert.equal(codeOf(harness.disconnects[0]?.reason), ErrorCode.SLOW_CONSUMER);
  assert.ok(maxBacklog <= maxBacklogBytes, `backlog peaked at ${maxBacklog}`);
  assert.ok(attempted * frame.length > 4 * maxBacklogBytes, 'far more was offered than the bound');
  assert.equal(harness.server.counters().slowConsumerDisconnects, 1);
  assert.ok(logs.some((line) => line.includes('slow consumer: disconnecting') && line.includes('E_SLOW_CONSUMER')));
  // the other client is still served
  other.client.send(frameOf('ok'));
  await other.peer.waitFrames(1);
});

test('conflate policy: a stalled client gets the latest frame per key once it reads again', async () => {
  const maxBacklogBytes = 128 * 1024;
  const harness = await startServer({ maxBacklogBytes, slowConsumerPolicy: 'conflate' });
  const { peer, client } = await connectPeer(harness);
  peer.socket.pause();
  const keys = ['AAPL', 'MSFT', 'GOOG'];
  const padding = 'p'.repeat(8 * 1024);
  const latest = new Map<string, number>();
  let version = 0;
  let maxBacklog = 0;
  let dropped = 0;
  // stream versions round-robin until well into conflation
  while (!(client.conflating && version > 60 && client.counters.framesConflated > 60)) {
    for (const key of keys) {
      version++;
      const status = client.send(frameOf(`${key} ${version} ${padding}`), key);
      assert.notEqual(status, 'dropped');
      latest.set(key, version);
      maxBacklog = Math.max(maxBacklog, client.backlogBytes);
    }
    if (client.send(frameOf('unkeyed')) === 'dropped') dropped++;
    await new Promise((resolve) => setImmediate(resolve));
    if (version > 300_000) assert.fail('never conflated');
  }
  assert.ok(maxBacklog <= maxBacklogBytes, `backlog peaked at ${maxBacklog}`);
  assert.ok(dropped > 0, 'unkeyed frames are dropped while conflating');
  peer.socket.resume();
  const lastOf = (key: string): number => {
    for (let i = peer.frames.length - 1; i >= 0; i--) {
      const frame = peer.frames[i] ?? '';
      if (frame.startsWith(`${key} `)) return Number(frame.split(' ')[1]);
    }
    return -1;
  };
  await until(() => keys.every((key) => lastOf(key) === latest.get(key)), 'the latest version of every key');
  await until(() => !client.conflating, 'conflation to end');
  // an episode is logged once it lasts, or at its end when it dropped frames (the unkeyed ones here)
  assert.ok(logs.some((line) => /slow consumer: (conflating|frames dropped while conflating)/.test(line)), 'the episode that dropped frames logged');
  assert.equal(client.counters.framesDropped, dropped);
  assert.equal(client.open, true, 'conflation keeps the client connected');
  // in-order per key: versions never go backwards
  for (const key of keys) {
    const versions = peer.frames.filter((f) => f.startsWith(`${key} `)).map((f) => Number(f.split(' ')[1]));
    assert.deepEqual(versions, [...versions].sort((x, y) => x - y));
  }
  // sends resume normally after catching up
  assert.equal(client.send(frameOf('fresh')), 'sent');
  await until(() => peer.frames.at(-1) === 'fresh', 'a normal frame after conflation');
});

test('heartbeats go to an idle client, and a silent one is closed with E_PEER_TIMEOUT', async () => {
  const harness = await startServer({
    heartbeat: { intervalMs: 40, timeoutMs: 300, payload: (client) => Buffer.from(`hb ${client.mode}`) },
  });
  const { peer, client } = await connectPeer(harness);
  const started = Date.now();
  await peer.closed;
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 250, `closed after ${elapsed} ms`);
  assert.ok(peer.frames.filter((f) => f === 'hb json').length >= 3, `heartbeats: ${peer.frames.length}`);
  const last = JSON.parse(peer.frames.at(-1) ?? '') as { data: { code: string } };
  assert.equal(last.data.code, ErrorCode.PEER_TIMEOUT);
  await until(() => harness.disconnects.length === 1, 'disconnect');
  assert.equal(codeOf(harness.disconnects[0]?.reason), ErrorCode.PEER_TIMEOUT);
  assert.equal(harness.server.counters().peerTimeouts, 1);
  assert.equal(client.closed, true);
});

test('a client that sends keeps its connection; per-client timeout 0 exempts a silent one', async () => {
  const harness = await startServer({ heartbeat: { intervalMs: 30, timeoutMs: 150 } });
  const talker = await connectPeer(harness);
  const exempt = await connectPeer(harness);
  exempt.client.peerTimeoutMs = 0; // e.g. a seed client, which never sends
  const silent = await connectPeer(harness);
  const timer = setInterval(() => talker.peer.send('ping'), 40);
  try {
    await silent.peer.closed;
    await new Promise((resolve) => setTimeout(resolve, 200));
  } finally {
    clearInterval(timer);
  }
  assert.equal(talker.client.open, true);
  assert.equal(exempt.client.open, true);
  assert.equal(silent.client.closed, true);
});

test('close() drains queued frames before closing, is idempotent, and destroy() after it is harmless', async () => {
  const harness = await startServer();
  const { peer } = await connectPeer(harness);
  for (let i = 0; i < 2000; i++) harness.server.broadcast(frameOf(`last words ${i}`));
  const closing = harness.server.close();
  assert.equal(harness.server.close(), closing, 'the same promise');
  await closing;
  await peer.closed;
  assert.equal(peer.frames.length, 2000);
  assert.equal(peer.ended, true, 'a clean end, not a reset');
  harness.server.destroy();
  harness.server.destroy();
  await harness.server.close();
  assert.equal(harness.server.broadcast(frameOf('nobody')), 0);
});

test('destroy() drops every client at once and a pending close() still resolves', async () => {
  const harness = await startServer();
  const { peer } = await connectPeer(harness);
  peer.socket.pause();
  const closing = harness.server.close();
  harness.server.destroy();
  await closing;
  await peer.closed;
});

test('a server that never listened closes and destroys cleanly', async () => {
  const server = new FrameServer({ onFrame: () => undefined });
  server.destroy();
  await server.close();
});

test('invalid options are one E_CONFIG_INVALID listing every problem', () => {
  assert.throws(
    () =>
      new FrameServer({
        onFrame: () => undefined,
        maxFrameBytes: 0,
        maxBacklogBytes: 10,
        slowConsumerPolicy: 'panic' as 'conflate',
        heartbeat: { intervalMs: 100, timeoutMs: 50 },
      }),
    (error: unknown) => {
      assert.ok(error instanceof TradingError);
      assert.equal(error.code, ErrorCode.CONFIG_INVALID);
      for (const field of ['maxFrameBytes', 'maxBacklogBytes', 'slowConsumerPolicy', 'heartbeat.timeoutMs']) assert.match(error.message, new RegExp(field));
      return true;
    },
  );
});
