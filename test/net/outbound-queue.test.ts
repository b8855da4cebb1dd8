import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HELD_PROOF_BYTES, OutboundQueue, PROBATION_BYTES, PROOF_BYTES, type OutboundCounters, type OutboundPolicy, type OutboundSink } from '../../src/net/outbound-queue.js';
import { encodeFrame } from '../../src/protocol/framing.js';

/**
 * A socket stand-in with Node's semantics: an accepted write leaves writableLength at 0 and
 * calls back on the next tick; a blocked write keeps the chunk (writableLength > 0) until
 * `complete()`. The bytes are recorded when the write completes, so a queue that wrote
 * into a buffer the socket still held would be caught.
 */
class FakeSink implements OutboundSink {
  accepting = true;
  writes = 0;
  readonly delivered: Buffer[] = [];
  readonly #held: { chunk: Uint8Array; callback: (error?: Error | null) => void }[] = [];

  get writableLength(): number {
    return this.#held.reduce((sum, entry) => sum + entry.chunk.length, 0);
  }

  write(chunk: Uint8Array, callback: (error?: Error | null) => void): boolean {
    this.writes++;
    if (this.accepting && this.#held.length === 0) {
      this.delivered.push(Buffer.from(chunk));
      process.nextTick(callback);
      return true;
    }
    this.#held.push({ chunk, callback });
    return false;
  }

  /** The kernel took everything held: record it and call back, as Node does. */
  complete(): void {
    while (this.#held.length > 0) {
      const entry = this.#held.shift();
      if (entry === undefined) break;
      this.delivered.push(Buffer.from(entry.chunk));
      entry.callback();
    }
  }

  /** Every frame payload delivered so far, as text. */
  frames(): string[] {
    const all = Buffer.concat(this.delivered);
    const out: string[] = [];
    for (let offset = 0; offset < all.length; ) {
      const length = all.readUInt32BE(offset);
      out.push(all.toString('utf8', offset + 4, offset + 4 + length));
      offset += 4 + length;
    }
    return out;
  }
}

function makeQueue(policy: OutboundPolicy, maxBacklogBytes = 4096): {
  queue: OutboundQueue;
  sink: FakeSink;
  counters: OutboundCounters;
  flushRequests: () => number;
  episodes: string[];
} {
  const counters: OutboundCounters = { framesOut: 0, bytesOut: 0, framesDropped: 0, framesConflated: 0 };
  let requests = 0;
  const episodes: string[] = [];
  const queue = new OutboundQueue({
    maxBacklogBytes,
    policy,
    counters,
    requestFlush: () => {
      requests++;
    },
    onConflation: (active, episode) => episodes.push(active ? 'start' : `end conflated=${episode?.conflated} dropped=${episode?.dropped} released=${episode?.released}`),
  });
  const sink = new FakeSink();
  queue.attach(sink);
  return { queue, sink, counters, flushRequests: () => requests, episodes };
}

const frame = (text: string): Buffer => encodeFrame(Buffer.from(text));
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('frames sent in one turn go out in one write, in order, after one flush request', () => {
  const { queue, sink, counters, flushRequests } = makeQueue('refuse');
  for (let i = 0; i < 100; i++) assert.equal(queue.enqueueFrame(frame(`m${i}`)), 'sent');
  assert.equal(flushRequests(), 1);
  assert.equal(sink.writes, 0, 'nothing written before the flush');
  queue.flush();
  assert.equal(sink.writes, 1);
  assert.deepEqual(sink.frames(), Array.from({ length: 100 }, (_, i) => `m${i}`));
  assert.equal(counters.framesOut, 100);
  assert.equal(queue.backlogBytes, 0);
});

test('enqueuePayload writes the header, and a range of a larger buffer is sent exactly', () => {
  const { queue, sink } = makeQueue('refuse');
  const scratch = Buffer.from('xxHELLOyy');
  queue.enqueuePayload(scratch, 2, 5);
  queue.enqueuePayload(Buffer.from('whole'), 0, 5);
  // the same range again after the scratch bytes changed, then other ranges of it
  scratch.write('WORLD', 2);
  queue.enqueuePayload(scratch, 2, 5);
  queue.enqueuePayload(scratch, 0, 4);
  queue.enqueuePayload(scratch, 2, 7);
  queue.flush();
  assert.deepEqual(sink.frames(), ['HELLO', 'whole', 'WORLD', 'xxWO', 'WORLDyy']);
});

test('a buffer the socket still holds is never written into; later frames wait for its completion', async () => {
  const { queue, sink } = makeQueue('refuse', 1 << 20);
  sink.accepting = false;
  queue.enqueueFrame(frame('first'));
  queue.flush();
  assert.equal(queue.backedUp, true);
  for (let i = 0; i < 50; i++) assert.equal(queue.enqueueFrame(frame(`later${i}`)), 'queued');
  queue.flush();
  assert.equal(sink.writes, 1, 'one write in flight at a time');
  sink.accepting = true;
  sink.complete(); // the callback releases the buffer and writes what collected
  await tick();
  assert.equal(sink.writes, 2);
  assert.deepEqual(sink.frames(), ['first', ...Array.from({ length: 50 }, (_, i) => `later${i}`)]);
});

test('refuse policy: the backlog never exceeds the bound and refused frames are counted', () => {
  const { queue, sink, counters } = makeQueue('refuse', 2048);
  sink.accepting = false;
  const payload = frame('y'.repeat(96));
  let dropped = 0;
  for (let i = 0; i < 1000; i++) {
    if (queue.enqueueFrame(payload) === 'dropped') dropped++;
    if (i % 7 === 0) queue.flush();
    assert.ok(queue.backlogBytes <= 2048, `backlog ${queue.backlogBytes} at frame ${i}`);
  }
  assert.ok(dropped > 900);
  assert.equal(counters.framesDropped, dropped);
  assert.equal(counters.framesOut, 1000 - dropped);
});

test('conflate policy: while backed up only the latest frame per key is kept and released on drain', async () => {
  const { queue, sink, counters, episodes } = makeQueue('conflate', 1024);
  sink.accepting = false;
  let sent = 0;
  // fill the bound with ordinary frames
  while (queue.enqueueFrame(frame(`fill${sent}`), 'FILL') === 'sent' || !queue.conflating) {
    sent++;
    queue.flush();
    if (sent > 1000) assert.fail('never started conflating');
  }
  assert.deepEqual(episodes, ['start']);
  for (let version = 0; version < 20; version++) {
    for (const key of ['AAA', 'BBB', 'CCC']) assert.equal(queue.enqueueFrame(frame(`${key}:${version}`), key), 'conflated');
    assert.equal(queue.enqueueFrame(frame('no key')), 'dropped', 'frames without a key are dropped while conflating');
  }
  assert.ok(queue.backlogBytes <= 1024);
  assert.ok(queue.conflatedBytes <= 1024);
  sink.accepting = true;
  sink.complete();
  await tick();
  assert.equal(queue.conflating, false);
  const frames = sink.frames();
  const tail = frames.slice(-4);
  // FILL was the key of the frame that tripped the bound: its latest comes first
  assert.deepEqual(tail.slice(1), ['AAA:19', 'BBB:19', 'CCC:19']);
  assert.ok(!frames.includes('no key'));
  assert.ok(!frames.includes('AAA:18'), 'superseded frames never go out');
  assert.equal(counters.framesConflated, 57);
  assert.equal(counters.framesDropped, 20);
  assert.match(episodes[1] ?? '', /^end conflated=57 dropped=20 released=4$/);
  // back to normal
  assert.equal(queue.enqueueFrame(frame('after')), 'sent');
  queue.flush();
  assert.equal(sink.frames().at(-1), 'after');
});

test('conflate policy: the store itself is bounded, new keys beyond it are dropped', () => {
  const { queue, sink, counters } = makeQueue('conflate', 1024);
  sink.accepting = false;
  queue.enqueueFrame(frame('z'.repeat(1000)));
  queue.flush();
  let conflated = 0;
  for (let key = 0; key < 500; key++) {
    if (queue.enqueueFrame(frame(`key ${key} `.padEnd(60, '.')), key) === 'conflated') conflated++;
  }
  assert.ok(queue.conflatedBytes <= 1024);
  assert.ok(conflated > 0 && conflated < 500);
  assert.equal(counters.framesDropped, 500 - conflated);
});

test('without a socket, frames are refused as not-connected and nothing is kept', () => {
  const { queue } = makeQueue('refuse');
  queue.detach();
  assert.equal(queue.enqueueFrame(frame('lost')), 'not-connected');
  assert.equal(queue.backlogBytes, 0);
});

test('finish hands queued frames to the socket even behind a write in flight', () => {
  const { queue, sink } = makeQueue('refuse', 1 << 16);
  sink.accepting = false;
  queue.enqueueFrame(frame('one'));
  queue.flush();
  queue.enqueueFrame(frame('two'));
  queue.finish();
  sink.complete();
  assert.deepEqual(sink.frames(), ['one', 'two']);
  assert.equal(queue.enqueueFrame(frame('three')), 'not-connected');
});

test('probation (conflate policy): a peer that never read is written at most PROBATION_BYTES at a time and conflates as soon as it backs up', () => {
  const { queue, sink, counters } = makeQueue('conflate', 4 * 1024 * 1024);
  const payload = frame('p'.repeat(1000));
  const written: number[] = [];
  const write = sink.write.bind(sink);
  sink.write = (chunk, callback) => {
    written.push(chunk.length);
    return write(chunk, callback);
  };
  // the kernel takes the first 64 KiB or so, then the peer's buffers are full
  let accepted = 0;
  for (let i = 0; i < 5_000; i++) {
    if (accepted > 64 * 1024) sink.accepting = false;
    const status = queue.enqueueFrame(payload, i % 5);
    if (status === 'sent') accepted += payload.length;
  }
  queue.flush();
  assert.equal(queue.proven, false);
  assert.equal(queue.conflating, true, 'backed up while unproven: conflating at once');
  for (const length of written) assert.ok(length <= PROBATION_BYTES, `a write of ${length} bytes`);
  // what it holds: the stuck chunk and the latest frame of each of 5 keys; no second
  // staging buffer (a peer that may never read again gets none)
  assert.ok(queue.memoryBytes <= PROBATION_BYTES + 5 * payload.length, `memory ${queue.memoryBytes}`);
  assert.ok(counters.framesConflated > 4_000, 'the rest was conflated, not queued');
});

/** Back the queue up once, then let the kernel take `bytes` more from it (as a reader would). */
async function drainAfterBackup(queue: OutboundQueue, sink: FakeSink, bytes: number): Promise<void> {
  sink.accepting = false;
  queue.enqueueFrame(frame('first'), 'A');
  queue.flush();
  assert.equal(queue.enqueueFrame(frame('x'.repeat(PROBATION_BYTES)), 'B'), 'conflated', 'unproven and backed up');
  sink.accepting = true;
  sink.complete();
  await tick();
  const chunk = frame('r'.repeat(16 * 1024));
  for (let taken = 0; taken < bytes; taken += chunk.length) {
    queue.enqueueFrame(chunk, 'R');
    queue.flush();
  }
}

test('probation: completed writes short of PROOF_BYTES after backing up (the kernel growing its buffer) prove nothing', async () => {
  const { queue, sink } = makeQueue('conflate', 1024 * 1024);
  await drainAfterBackup(queue, sink, PROOF_BYTES / 2);
  assert.equal(queue.proven, false);
});

test('probation ends once the kernel has taken PROOF_BYTES since the first backup: a proven reader queues up to its bound again', async () => {
  const { queue, sink } = makeQueue('conflate', 1024 * 1024);
  await drainAfterBackup(queue, sink, PROOF_BYTES);
  assert.equal(queue.proven, true);
  assert.equal(queue.conflating, false);
  sink.accepting = false;
  queue.enqueueFrame(frame('second'), 'A');
  queue.flush();
  const big = frame('q'.repeat(4000));
  for (let i = 0; i < 100; i++) assert.equal(queue.enqueueFrame(big, i), 'queued', `frame ${i}: a proven reader queues (400 KB, under its 1 MiB bound)`);
  assert.equal(queue.conflating, false);
});

test('while the owner holds the kernel send buffer small (onProbation returns true) HELD_PROOF_BYTES prove reading; without the hold it takes PROOF_BYTES', async () => {
  const counters: OutboundCounters = { framesOut: 0, bytesOut: 0, framesDropped: 0, framesConflated: 0 };
  const held = new OutboundQueue({ maxBacklogBytes: 1024 * 1024, policy: 'conflate', counters, requestFlush: () => undefined, onProbation: (probation) => probation });
  const heldSink = new FakeSink();
  held.attach(heldSink);
  await drainAfterBackup(held, heldSink, HELD_PROOF_BYTES);
  assert.equal(held.proven, true, 'held: a reader proves itself with HELD_PROOF_BYTES');
  assert.ok(HELD_PROOF_BYTES < PROOF_BYTES);
  const unheld = new OutboundQueue({ maxBacklogBytes: 1024 * 1024, policy: 'conflate', counters, requestFlush: () => undefined, onProbation: () => false });
  const unheldSink = new FakeSink();
  unheld.attach(unheldSink);
  await drainAfterBackup(unheld, unheldSink, HELD_PROOF_BYTES);
  assert.equal(unheld.proven, false, 'not held: the kernel could have taken that much from a peer that reads nothing');
});

test('demote (conflate harder): queued frames are discarded and counted, staging buffers released, latest per key kept until it drains', async () => {
  const { queue, sink, counters, episodes } = makeQueue('conflate', 1024 * 1024);
  await drainAfterBackup(queue, sink, PROOF_BYTES);
  assert.equal(queue.proven, true);
  const deliveredBefore = sink.frames().length;
  // then it stops reading with 300 frames queued behind a stuck write
  sink.accepting = false;
  queue.enqueueFrame(frame('stuck'), 'S');
  queue.flush();
  const payload = frame('m'.repeat(1000));
  for (let i = 0; i < 300; i++) assert.equal(queue.enqueueFrame(payload, 'M'), 'queued');
  const before = queue.memoryBytes;
  const outBefore = counters.framesOut;
  const releasable = queue.releasableBytes;
  assert.ok(releasable >= 300 * payload.length, `the queue is releasable: ${releasable}`);
  assert.equal(queue.demote(), releasable);
  assert.equal(queue.proven, false);
  assert.equal(queue.conflating, true);
  assert.ok(before - queue.memoryBytes >= 300 * payload.length, `released ${before - queue.memoryBytes} bytes`);
  assert.equal(counters.framesDropped, 300, 'the discarded frames are counted as dropped');
  assert.equal(counters.framesOut, outBefore - 300, 'and no longer as sent');
  for (let version = 0; version < 10; version++) assert.equal(queue.enqueueFrame(frame(`M:${version}`), 'M'), 'conflated');
  assert.equal(queue.demote(), 0, 'demoting again releases nothing');
  sink.accepting = true;
  sink.complete();
  await tick();
  assert.deepEqual(sink.frames().slice(deliveredBefore), ['stuck', 'M:9'], 'after the stuck write, only the latest of its key');
  assert.equal(queue.proven, false, 'one drained write does not prove it again');
  assert.match(episodes.at(-1) ?? '', /^end conflated=9 dropped=300 released=1$/);
});

test('onProbation says when probation begins (attach, demote) and ends (proof), so the owner can hold the kernel buffer meanwhile', async () => {
  const calls: boolean[] = [];
  const counters: OutboundCounters = { framesOut: 0, bytesOut: 0, framesDropped: 0, framesConflated: 0 };
  const queue = new OutboundQueue({ maxBacklogBytes: 1024 * 1024, policy: 'conflate', counters, requestFlush: () => undefined, onProbation: (probation) => void calls.push(probation) });
  const sink = new FakeSink();
  queue.attach(sink);
  assert.deepEqual(calls, [true], 'a new connection starts on probation');
  await drainAfterBackup(queue, sink, PROOF_BYTES);
  assert.equal(queue.proven, true);
  assert.deepEqual(calls, [true, false], 'proof ends it once');
  queue.demote();
  queue.demote();
  assert.deepEqual(calls, [true, false, true], 'demotion begins it again, once');

  const refusing: boolean[] = [];
  const other = new OutboundQueue({ maxBacklogBytes: 1024 * 1024, policy: 'refuse', counters, requestFlush: () => undefined, onProbation: (probation) => void refusing.push(probation) });
  other.attach(new FakeSink());
  other.demote();
  assert.deepEqual(refusing, [], 'no probation under the refuse policy');
});

test('refuse policy: no probation and nothing to demote', () => {
  const { queue, sink } = makeQueue('refuse', 1024 * 1024);
  sink.accepting = false;
  queue.enqueueFrame(frame('first'));
  queue.flush();
  for (let i = 0; i < 100; i++) assert.equal(queue.enqueueFrame(frame('z'.repeat(1000))), 'queued');
  assert.equal(queue.releasableBytes, 0);
  assert.equal(queue.demote(), 0);
  assert.equal(queue.backlogBytes > 100_000, true, 'still queued');
});
