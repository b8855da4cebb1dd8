/**
 * The kernel send buffer of a socket whose peer has not shown that it reads is held small
 * (SO_SNDBUF through our addon), and given back to the kernel's autotuning once the peer
 * has: a never-reading peer then pins tens of KiB of kernel memory, not megabytes.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { FrameServer } from '../../src/net/frame-server.js';
import type { FrameServerClient } from '../../src/net/frame-server-client.js';
import { PROBATION_BYTES, PROOF_BYTES } from '../../src/net/outbound-queue.js';
import { limitSendBuffer, releaseSendBuffer, sendBufferHoldSupport, sendBufferLimited } from '../../src/net/send-buffer.js';
import { cleanupAll } from '../helpers/resources.js';
import { RawPeer, captureLogs, destroyedAfterEach, until } from './helpers.js';

captureLogs();
const MIB = 1024 * 1024;
const { peers, sockets, servers, destroyAll } = destroyedAfterEach();
after(cleanupAll);

/** A connected pair on loopback: the server's end, and a client end that never reads. */
async function stalledPair(): Promise<Socket> {
  const server: Server = createServer();
  servers.push(server);
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const client = connect({ port: address.port, host: '127.0.0.1' });
  client.pause();
  client.on('error', () => undefined);
  sockets.push(client);
  const end = await accepted;
  end.on('error', () => undefined);
  sockets.push(end);
  return end;
}

/** Write `total` bytes to a peer that never reads; resolves with what the kernel took once it stops taking more. */
async function kernelTakes(socket: Socket, total: number): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024, 7);
  for (let written = 0; written < total; written += chunk.length) socket.write(chunk);
  let last = -1;
  let still = 0;
  // settled: nothing more taken over five polls in a row (the peer reads nothing, so nothing will be)
  await until(() => {
    const taken = total - socket.writableLength;
    still = taken === last ? still + 1 : 0;
    last = taken;
    return still >= 5;
  }, 'the kernel to stop taking bytes', 10_000);
  return last;
}

test('a held send buffer stops the kernel taking megabytes for a peer that never reads; released, the kernel sizes it again', async (t) => {
  const probe = await stalledPair();
  if (sendBufferLimited(probe) === undefined) {
    destroyAll();
    t.skip('SO_BUF_LOCK not available here (Linux before 5.14)');
    return;
  }
  const held = await stalledPair();
  assert.equal(sendBufferLimited(held), false, 'the kernel sizes a new socket itself');
  assert.equal(limitSendBuffer(held, PROBATION_BYTES), 'held');
  assert.equal(sendBufferLimited(held), true);
  const free = await stalledPair();
  const [heldTaken, freeTaken] = await Promise.all([kernelTakes(held, 16 * MIB), kernelTakes(free, 16 * MIB)]);
  process.stdout.write(`# kernel took ${heldTaken} bytes held, ${freeTaken} bytes autotuned\n`);
  // its own 2 × 32 KiB (the kernel doubles SO_SNDBUF) plus what the peer's receive buffer holds
  assert.ok(heldTaken < MIB, `held: the kernel took ${heldTaken} bytes`);
  assert.ok(heldTaken < freeTaken, `held ${heldTaken} < autotuned ${freeTaken}`);
  assert.equal(releaseSendBuffer(held), true);
  assert.equal(sendBufferLimited(held), false, 'released: autotuning again');
});

test('a conflating FrameServer holds the buffer of a client on probation and releases it once the client has proven it reads', async (t) => {
  const connected: FrameServerClient<unknown>[] = [];
  const server = new FrameServer({ onFrame: () => undefined, onConnect: (client) => connected.push(client), slowConsumerPolicy: 'conflate' });
  servers.push({ close: () => server.destroy() });
  const { port } = await server.listen(0);
  const reader = RawPeer.connect(port);
  peers.push(reader);
  const stalled = RawPeer.connect(port);
  peers.push(stalled);
  stalled.socket.pause();
  await Promise.all([reader.connected, stalled.connected]);
  await until(() => connected.length === 2, 'both clients accepted');
  const [readerClient, stalledClient] = connected[0]?.remotePort === reader.socket.localPort ? [connected[0], connected[1]] : [connected[1], connected[0]];
  if (readerClient === undefined || stalledClient === undefined) throw new Error('clients not found');
  if (readerClient.sendBufferHeld === undefined) {
    destroyAll();
    t.skip('SO_BUF_LOCK not available here');
    return;
  }
  assert.equal(readerClient.sendBufferHeld, true, 'every client starts on probation');
  assert.equal(stalledClient.sendBufferHeld, true);
  // stream until the reader has proven itself (PROOF_BYTES taken after backing up)
  const payload = Buffer.alloc(1000, 65);
  let streaming = true;
  const pump = (): void => {
    if (!streaming) return;
    for (let i = 0; i < 256; i++) for (const client of connected) client.sendPayload(payload, 0, payload.length, i % 5);
    setImmediate(pump);
  };
  pump();
  try {
    await until(() => readerClient.proven, `the reader proven (${PROOF_BYTES} bytes after a backup)`, 30_000);
  } finally {
    streaming = false;
  }
  assert.equal(readerClient.sendBufferHeld, false, 'proven: the kernel sizes its buffer again');
  assert.equal(stalledClient.proven, false);
  assert.equal(stalledClient.sendBufferHeld, true, 'never read: still held');
  assert.equal(readerClient.demote() >= 0, true);
  assert.equal(readerClient.sendBufferHeld, true, 'conflated harder: held again');
});

test('a socket without a descriptor (socket._handle.fd) is not held, and says why', async (t) => {
  if (sendBufferLimited(await stalledPair()) === undefined) {
    destroyAll();
    t.skip('SO_BUF_LOCK not available here (Linux before 5.14)');
    return;
  }
  const noFd = { _handle: {} } as unknown as Socket;
  assert.equal(limitSendBuffer(noFd, PROBATION_BYTES), 'no_socket_fd');
  assert.equal(releaseSendBuffer(noFd), false);
  assert.equal(sendBufferLimited(noFd), undefined);
  assert.equal(sendBufferHoldSupport({ _handle: null }), 'no_socket_fd');
});
