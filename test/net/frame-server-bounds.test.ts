/**
 * The FrameServer's resource bounds: a deadline for a started frame, a global inbound
 * budget for incomplete frames, a connection cap with refusals counted and logged, and a
 * global outbound budget that disconnects the clients furthest behind, never one that
 * keeps up.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { ErrorCode, isTradingError } from '../../src/core/errors.js';
import { FrameServer, type FrameServerOptions } from '../../src/net/frame-server.js';
import type { FrameServerClient } from '../../src/net/frame-server-client.js';
import { cleanupAll } from '../helpers/resources.js';
import { RawPeer, captureLogs, destroyedAfterEach, frameOf, until } from './helpers.js';

const logs = captureLogs();
const { peers, sockets, servers } = destroyedAfterEach();
after(cleanupAll);

async function startServer(options: Partial<FrameServerOptions> = {}) {
  const disconnects: { client: number; reason: Error | undefined; atMs: number }[] = [];
  const connected: FrameServerClient<unknown>[] = [];
  const server = new FrameServer({
    // echo: a normal client is served while others misbehave
    onFrame: (client, buffer, offset, length) => client.sendPayload(buffer, offset, length),
    onConnect: (client) => connected.push(client),
    onDisconnect: (client, reason) => disconnects.push({ client: client.id, reason, atMs: performance.now() }),
    ...options,
  });
  servers.push(server);
  const { port } = await server.listen(0);
  return { server, port, disconnects, connected };
}

function rawSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => resolve(socket));
    socket.on('error', reject);
    sockets.push(socket);
  });
}

const codeOf = (error: Error | undefined): string | undefined => (isTradingError(error) ? error.code : undefined);

test('a started frame must complete within frameTimeoutMs: slow headers and partial frames are closed, a normal client is served', async () => {
  const { server, port, disconnects } = await startServer({ frameTimeoutMs: 300 });
  const normal = RawPeer.connect(port);
  peers.push(normal);
  await normal.connected;
  const startedMs = performance.now();
  const slowHeader = await rawSocket(port);
  slowHeader.write(Buffer.from([0, 0])); // two bytes of a header
  const partial = await rawSocket(port);
  const header = Buffer.alloc(4);
  header.writeUInt32BE(1024 * 1024);
  partial.write(Buffer.concat([header, Buffer.alloc(100_000, 7)])); // 100 kB of a 1 MiB frame
  const idle = await rawSocket(port); // sends nothing: allowed
  // the normal client keeps talking throughout, one complete frame every 50 ms
  let sent = 0;
  const talker = setInterval(() => normal.send(`ping ${sent++}`), 50);
  try {
    await until(() => disconnects.length >= 2, 'both partial senders closed', 3_000);
    const closedAfterMs = Math.max(...disconnects.map((d) => d.atMs)) - startedMs;
    assert.ok(closedAfterMs < 300 + 500, `closed within the timeout plus a check period (${closedAfterMs.toFixed(0)} ms)`);
    for (const d of disconnects) assert.equal(codeOf(d.reason), ErrorCode.PEER_TIMEOUT);
    await until(() => normal.frames.length >= 10, 'the normal client served meanwhile');
    assert.equal(server.counters().frameTimeouts, 2);
    assert.equal(server.counters().clientsConnected, 2, 'the normal client and the idle one stay');
    assert.equal(server.counters().clientsIdle, 1);
    assert.equal(server.counters().inboundBytes, 0, 'the partial frame\'s buffer was given back');
    assert.ok(!idle.destroyed);
  } finally {
    clearInterval(talker);
  }
});

test('incomplete frames count against a global inbound budget: the client that would exceed it is closed', async () => {
  const { server, port, disconnects } = await startServer({ inboundBudgetBytes: 1024 * 1024, frameTimeoutMs: 0 });
  const header = Buffer.alloc(4);
  header.writeUInt32BE(450 * 1024);
  const holders: Socket[] = [];
  for (let i = 0; i < 3; i++) {
    const socket = await rawSocket(port);
    socket.write(Buffer.concat([header, Buffer.alloc(1000)]));
    holders.push(socket);
    await until(() => server.counters().inboundBytes > i * 300 * 1024 || disconnects.length > 0, `holder ${i} buffered`);
  }
  await until(() => disconnects.length === 1, 'the third holder closed');
  assert.equal(server.counters().inboundBudgetCloses, 1);
  assert.ok(server.counters().inboundBytes <= 1024 * 1024);
  assert.equal(server.counters().clientsConnected, 2);
});

test('past maxConnections a connection is refused, counted and logged once per period; idle clients count', async () => {
  logs.length = 0;
  const { server, port } = await startServer({ maxConnections: 3 });
  const open: Socket[] = [];
  for (let i = 0; i < 3; i++) open.push(await rawSocket(port));
  await until(() => server.counters().clientsConnected === 3, 'three idle clients');
  const refused = await Promise.all([rawSocket(port), rawSocket(port)]);
  await Promise.all(refused.map((socket) => new Promise((resolve) => (socket.destroyed ? resolve(undefined) : socket.once('close', resolve)))));
  await until(() => server.counters().clientsRefused === 2, 'two refusals counted');
  assert.equal(server.counters().clientsConnected, 3);
  assert.equal(server.counters().clientsIdle, 3);
  assert.equal(logs.filter((line) => /connection refused: at the maximum number of clients/.test(line)).length, 1, 'rate-limited: one line');
  open[0]?.destroy();
  await until(() => server.counters().clientsConnected === 2, 'a slot freed');
  await rawSocket(port);
  await until(() => server.counters().clientsConnected === 3, 'a new client takes the freed slot');
});

test('past the global outbound budget the clients furthest behind are disconnected E_SLOW_CONSUMER until it is met; a reading client keeps receiving', async () => {
  const { server, port, disconnects, connected } = await startServer({
    slowConsumerPolicy: 'conflate',
    maxBacklogBytes: 1024 * 1024,
    outboundBudgetBytes: 2 * 1024 * 1024,
  });
  const reader = RawPeer.connect(port);
  peers.push(reader);
  await reader.connected;
  const stalled: Socket[] = [];
  for (let i = 0; i < 8; i++) {
    const socket = await rawSocket(port);
    socket.pause(); // never reads
    stalled.push(socket);
  }
  await until(() => connected.length === 9, 'all accepted');
  const readerClient = connected[0];
  const frame = frameOf('x'.repeat(1000));
  let rounds = 0;
  // broadcast (each frame its own conflation key, as distinct messages: a conflation store of
  // up to the backlog bound each) until the budget has disconnected enough of the stalled ones
  await new Promise<void>((resolve, reject) => {
    const deadline = performance.now() + 20_000;
    const pump = (): void => {
      for (let i = 0; i < 200; i++) server.broadcast(frame, rounds * 200 + i);
      rounds++;
      if (disconnects.length >= 1 && server.counters().outboundBytes <= 2 * 1024 * 1024) return resolve();
      if (performance.now() > deadline) return reject(new Error(`only ${disconnects.length} disconnected; counters ${JSON.stringify(server.counters())}`));
      setImmediate(pump);
    };
    pump();
  });
  for (const d of disconnects) assert.equal(codeOf(d.reason), ErrorCode.SLOW_CONSUMER);
  assert.ok(readerClient?.open, 'the reading client was never disconnected');
  assert.equal(server.counters().outboundBudgetDisconnects, disconnects.length);
  const before = reader.frames.length;
  for (let i = 0; i < 50; i++) server.broadcast(frame);
  await reader.waitFrames(before + 50);
});
