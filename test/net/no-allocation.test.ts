// Its own file, hence its own process: other tests' shapes would make the queue's code
// paths polymorphic, and their garbage would be collected during our rounds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PerformanceObserver } from 'node:perf_hooks';
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
  // Until the optimising compiler has finished the interpreter may box numbers, so the
  // claim is that a steady state exists: a round of 200k sends with no collection at all.
  let collections = 0;
  const observer = new PerformanceObserver((list) => {
    collections += list.getEntries().length;
  });
  observer.observe({ entryTypes: ['gc'] });
  const perRound: number[] = [];
  try {
    run(50_000);
    for (let round = 0; round < 10 && perRound.at(-1) !== 0; round++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      const before = collections;
      run(200_000);
      await new Promise((resolve) => setTimeout(resolve, 10));
      perRound.push(collections - before);
    }
  } finally {
    observer.disconnect();
  }
  assert.ok(written > 0);
  assert.equal(perRound.at(-1), 0, `collections per round of 200k sends: ${perRound.join(', ')}`);
});
