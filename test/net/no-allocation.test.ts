// Its own file, hence its own process: other tests' shapes would make the queue's code
// paths polymorphic, and their garbage would be collected during our rounds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectionsPerRound } from '../helpers/gc-rounds.js';
import { OutboundQueue, type OutboundSink } from '../../src/net/outbound-queue.js';

test('sending a frame allocates nothing: whole frames, and payload ranges of one scratch buffer', async () => {
  // A sink that takes every write at once, as the kernel does when it has room.
  let written = 0;
  const sink: OutboundSink = {
    writableLength: 0,
    write(chunk) {
      written += chunk.length;
      return true;
    },
  };
  const queue = new OutboundQueue({
    maxBacklogBytes: 4 * 1024 * 1024,
    policy: 'conflate',
    counters: { framesOut: 0, bytesOut: 0, framesDropped: 0, framesConflated: 0 },
    requestFlush: () => undefined,
  });
  queue.attach(sink);
  const scratch = Buffer.alloc(4096, 1); // an encoder's reusable buffer: 212-byte payloads at 0
  const frame = Buffer.alloc(216, 2);
  const run = (count: number): void => {
    for (let i = 0; i < count; i++) {
      scratch.writeUInt32LE(i, 4);
      queue.enqueuePayload(scratch, 0, 212, 'AAPL');
      queue.enqueueFrame(frame, 'MSFT');
      // one write per 1000 messages, as a turn's batch (the flush's one view is per batch)
      if (i % 1000 === 999) queue.flush();
    }
    queue.flush();
  };
  const perRound = await collectionsPerRound(run);
  assert.ok(written > 0);
  assert.equal(perRound.at(-1), 0, `collections per round of 200k sends: ${perRound.join(', ')}`);
});
