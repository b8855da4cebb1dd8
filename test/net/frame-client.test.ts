import { after, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { ErrorCode, TradingError, isTradingError } from '../../src/core/errors.js';
import { FrameClient, type FrameClientOptions } from '../../src/net/frame-client.js';
import { FrameServer } from '../../src/net/frame-server.js';
import { FrameDecoder } from '../../src/protocol/framing.js';
import { cleanupAll } from '../helpers/resources.js';
import { captureLogs, frameOf, until } from './helpers.js';

captureLogs();
const clients: FrameClient[] = [];
const servers: FrameServer[] = [];
const rawServers: Server[] = [];
const rawSockets: Socket[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  for (const server of servers.splice(0)) server.destroy();
  for (const socket of rawSockets.splice(0)) socket.destroy();
  await Promise.all(rawServers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});
after(cleanupAll);

function makeClient(port: number, options: Partial<FrameClientOptions> = {}): { client: FrameClient; frames: string[]; events: string[] } {
  const frames: string[] = [];
  const events: string[] = [];
  const client = new FrameClient({
    port,
    onFrame: (buffer, offset, length) => frames.push(buffer.toString('utf8', offset, offset + length)),
    onConnect: () => events.push('connect'),
    onDisconnect: (reason) => events.push(`disconnect ${isTradingError(reason) ? reason.code : (reason?.message ?? 'clean')}`),
    reconnect: { minDelayMs: 10, maxDelayMs: 50 },
    ...options,
  });
  clients.push(client);
  return { client, frames, events };
}

async function echoServer(port = 0): Promise<{ server: FrameServer; port: number; received: string[] }> {
  const received: string[] = [];
  const server = new FrameServer({
    onFrame: (client, buffer, offset, length) => {
      const text = buffer.toString('utf8', offset, offset + length);
      received.push(text);
      client.send(frameOf(`echo ${text}`));
    },
  });
  servers.push(server);
  const bound = await server.listen(port);
  return { server, port: bound.port, received };
}

/** A plain server that accepts and hands over its sockets, framing what arrives. */
async function rawServer(): Promise<{ port: number; sockets: Socket[]; frames: string[] }> {
  const sockets: Socket[] = [];
  const frames: string[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    rawSockets.push(socket);
    socket.on('error', () => undefined);
    const decoder = new FrameDecoder((buffer, offset, length) => frames.push(buffer.toString('utf8', offset, offset + length)));
    socket.on('data', (chunk: Buffer) => decoder.push(chunk));
  });
  rawServers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  return { port: address.port, sockets, frames };
}

test('connect() resolves on the first connection; frames flow both ways with statuses, not throws', async () => {
  const echo = await echoServer();
  const { client, frames, events } = makeClient(echo.port);
  assert.equal(client.send(frameOf('too early')), 'not-connected');
  const ready = client.connect();
  assert.equal(client.connect(), ready, 'idempotent');
  await ready;
  assert.equal(client.connected, true);
  assert.deepEqual(events, ['connect']);
  for (let i = 0; i < 100; i++) assert.equal(client.send(frameOf(`m${i}`)), 'sent');
  assert.equal(client.sendPayload(Buffer.from('[payload]'), 1, 7), 'sent');
  await until(() => frames.length === 101, '101 echoes');
  assert.equal(frames[0], 'echo m0');
  assert.equal(frames[100], 'echo payload');
  assert.equal(client.counters.framesIn, 101);
  assert.equal(client.counters.framesOut, 101);
  await client.close();
  assert.equal(client.send(frameOf('too late')), 'closed');
  assert.equal(client.connected, false);
});

test('reconnects with backoff after the server restarts, and reports each change', async () => {
  const first = await echoServer();
  const port = first.port;
  const { client, frames, events } = makeClient(port);
  await client.connect();
  first.server.destroy();
  await until(() => events.length === 2, 'the disconnect');
  assert.match(events[1] ?? '', /^disconnect/);
  assert.equal(client.send(frameOf('while down')), 'not-connected');
  // let a few attempts fail against the closed port before the server returns
  await until(() => client.counters.connectFailures >= 2, 'failed attempts');
  const second = await echoServer(port);
  await until(() => client.connected, 'the reconnection', 5_000);
  assert.deepEqual(events.slice(2), ['connect']);
  client.send(frameOf('after restart'));
  await until(() => frames.includes('echo after restart'), 'an echo from the new server');
  assert.deepEqual(second.received, ['after restart'], 'nothing queued while down was sent later');
  assert.equal(client.counters.connects, 2);
});

test('a silent server is declared dead (E_PEER_TIMEOUT) and the client reconnects; heartbeats go out while idle', async () => {
  const raw = await rawServer();
  const { client, events } = makeClient(raw.port, {
    heartbeat: { intervalMs: 30, timeoutMs: 200, payload: () => Buffer.from('hb') },
  });
  await client.connect();
  await until(() => raw.sockets.length === 2, 'a second connection after the timeout', 3_000);
  assert.equal(events[1], `disconnect ${ErrorCode.PEER_TIMEOUT}`);
  assert.equal(client.counters.peerTimeouts, 1);
  // heartbeats go out every 30 ms while idle, on the new connection as on the old: wait for
  // them rather than count what a loaded machine's late timers managed before the timeout
  await until(() => raw.frames.filter((frame) => frame === 'hb').length >= 3, 'three heartbeats', 3_000);
});

test('a server that keeps talking keeps the connection alive', async () => {
  const raw = await rawServer();
  const { client, frames } = makeClient(raw.port, { heartbeat: { intervalMs: 30, timeoutMs: 120 } });
  await client.connect();
  await until(() => raw.sockets.length === 1, 'accept');
  const timer = setInterval(() => raw.sockets[0]?.write(frameOf('tick')), 30);
  try {
    await until(() => frames.length >= 12, 'a dozen ticks (4 timeouts long)');
  } finally {
    clearInterval(timer);
  }
  assert.equal(client.counters.peerTimeouts, 0);
  assert.equal(raw.sockets.length, 1);
});

test('a bad frame from the server drops the connection and the client reconnects', async () => {
  const raw = await rawServer();
  const { client, events } = makeClient(raw.port, { maxFrameBytes: 64 });
  await client.connect();
  await until(() => raw.sockets.length === 1, 'accept');
  raw.sockets[0]?.write(frameOf('x'.repeat(65)));
  await until(() => raw.sockets.length === 2, 'the reconnection');
  assert.equal(events[1], `disconnect ${ErrorCode.FRAME_TOO_LARGE}`);
  assert.equal(client.counters.badFrames, 1);
});

test('the outbound backlog is bounded against a server that never reads', async () => {
  const raw = await rawServer();
  const maxBacklogBytes = 64 * 1024;
  const { client } = makeClient(raw.port, { maxBacklogBytes });
  await client.connect();
  await until(() => raw.sockets.length === 1, 'accept');
  raw.sockets[0]?.pause();
  const frame = frameOf('o'.repeat(8 * 1024));
  let dropped = 0;
  let maxBacklog = 0;
  for (let turn = 0; dropped === 0; turn++) {
    for (let i = 0; i < 4; i++) if (client.send(frame) === 'dropped') dropped++;
    maxBacklog = Math.max(maxBacklog, client.backlogBytes);
    await new Promise((resolve) => setImmediate(resolve));
    if (turn > 100_000) assert.fail('never refused');
  }
  assert.ok(maxBacklog <= maxBacklogBytes, `backlog peaked at ${maxBacklog}`);
  assert.equal(client.counters.framesDropped, dropped);
  assert.equal(client.connected, true, 'the client refuses frames; it does not hang up');
});

test('without reconnect, a refused connection rejects connect()', async () => {
  const raw = await rawServer();
  const port = raw.port;
  await new Promise((resolve) => rawServers.pop()?.close(resolve));
  const { client } = makeClient(port, { reconnect: false });
  await assert.rejects(client.connect(), (error: unknown) => (error as NodeJS.ErrnoException).code === 'ECONNREFUSED');
  await client.close();
});

test('close() while retrying rejects the readiness promise and stops for good; close and destroy are idempotent', async () => {
  const raw = await rawServer();
  const port = raw.port;
  await new Promise((resolve) => rawServers.pop()?.close(resolve));
  const { client } = makeClient(port);
  const ready = client.connect();
  await until(() => client.counters.connectFailures >= 2, 'retries');
  const closing = client.close();
  assert.equal(client.close(), closing);
  await closing;
  await assert.rejects(ready, (error: unknown) => error instanceof TradingError && error.code === ErrorCode.NOT_CONNECTED);
  const failures = client.counters.connectFailures;
  client.destroy();
  client.destroy();
  await new Promise((resolve) => setTimeout(resolve, 120));
  assert.equal(client.counters.connectFailures, failures, 'no attempt after close');
});

test('close() flushes what was sent before it; the server sees a clean end', async () => {
  const raw = await rawServer();
  const { client } = makeClient(raw.port);
  await client.connect();
  for (let i = 0; i < 1000; i++) client.send(frameOf(`final ${i}`));
  await client.close();
  await until(() => raw.frames.length === 1000, 'all frames at the server');
  assert.equal(raw.frames[999], 'final 999');
});

test('destroy() on a never-started client, then close(), both resolve', async () => {
  const { client } = makeClient(1);
  client.destroy();
  await client.close();
});

test('invalid options are one E_CONFIG_INVALID listing every problem', () => {
  assert.throws(
    () => new FrameClient({ port: 0, onFrame: () => undefined, maxBacklogBytes: 1, reconnect: { minDelayMs: 0 }, heartbeat: { intervalMs: 50, timeoutMs: 10 } }),
    (error: unknown) => {
      assert.ok(error instanceof TradingError);
      assert.equal(error.code, ErrorCode.CONFIG_INVALID);
      for (const field of ['port', 'maxBacklogBytes', 'minDelayMs', 'heartbeat.timeoutMs']) assert.match(error.message, new RegExp(field));
      return true;
    },
  );
});
