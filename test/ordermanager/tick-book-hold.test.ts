/**
 * TickBookHold: an order ahead of its tick's book is held, with what its client sent after
 * it, until the book comes or the wait runs out; other clients are not held; everything
 * held is handled in order, the held order marked as waited.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { L2Book } from '../../src/core/book.js';
import type { LiveBook } from '../../src/shm/live-book.js';
import { TickBookHold } from '../../src/ordermanager/tick-book-hold.js';

/** A shared book whose `sentNs` per symbol the test sets; 'stale' when `live` is false. */
function fakeBook(): { book: LiveBook; sentNs: Map<string, number>; live: { value: boolean } } {
  const sentNs = new Map<string, number>();
  const live = { value: true };
  const book = {
    read(symbol: string, out: L2Book): string {
      out.sentNs = sentNs.get(symbol) ?? 0;
      return live.value ? 'live' : 'stale';
    },
  } as unknown as LiveBook;
  return { book, sentNs, live };
}

interface Handled {
  client: string;
  text: string;
  waited: boolean;
}

function holdWith(waitMs: number, maxHeldBytes?: number, maxTotalHeldBytes?: number): { hold: TickBookHold<string>; handled: Handled[]; shared: ReturnType<typeof fakeBook>; frame: (text: string) => Buffer } {
  const shared = fakeBook();
  const handled: Handled[] = [];
  const hold: TickBookHold<string> = new TickBookHold<string>({
    book: () => shared.book,
    waitMs,
    ...(maxHeldBytes === undefined ? {} : { maxHeldBytes }),
    ...(maxTotalHeldBytes === undefined ? {} : { maxTotalHeldBytes }),
    handle: (client, bytes, _readNs, waited) => {
      const text = bytes.toString('utf8');
      handled.push({ client, text, waited });
      // a frame "order@<tick>" is an order made on that tick: held again if its book is behind
      const tick = /^order@(\d+)/.exec(text);
      if (!waited && tick !== null && hold.mustWait('AAPL', Number(tick[1]))) {
        handled.pop();
        hold.hold(client, bytes, 0, bytes.length, 0, 'AAPL', Number(tick[1]));
      }
    },
  });
  return { hold, handled, shared, frame: (text) => Buffer.from(text) };
}

const until = async (condition: () => boolean, what: string): Promise<void> => {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
};

test('must wait: only for a live book older than the tick, with a wait configured and a tick stamp', () => {
  const { hold, shared } = holdWith(5);
  shared.sentNs.set('AAPL', 1_000);
  assert.equal(hold.mustWait('AAPL', 2_000), true);
  assert.equal(hold.mustWait('AAPL', 1_000), false, 'the book of the tick itself');
  assert.equal(hold.mustWait('AAPL', 0), false, 'no tick stamp (a seed client)');
  assert.equal(hold.mustWait('MSFT', 2_000), false, 'a book never written (sentNs 0) is not waited for');
  shared.live.value = false;
  assert.equal(hold.mustWait('AAPL', 2_000), false, 'a stale book: the order is refused as usual, not held');
  const off = holdWith(0);
  off.shared.sentNs.set('AAPL', 1_000);
  assert.equal(off.hold.mustWait('AAPL', 2_000), false, '--tick-book-wait-us 0');
  hold.close();
  off.hold.close();
});

test("held until the book comes: the client's later frames follow in order, another client is not held", async () => {
  const { hold, handled, shared, frame } = holdWith(10_000);
  shared.sentNs.set('AAPL', 1_000);
  // the frame inside a larger read buffer, which the caller reuses: the hold keeps a copy of the frame
  const read = frame('..order@2000..');
  hold.hold('a', read, 2, 10, 1, 'AAPL', 2_000);
  read.fill(0x2a);
  assert.equal(hold.holds('a'), true);
  assert.equal(hold.holds('b'), false, 'another client goes on');
  for (const text of ['cancel', 'order@0']) hold.queue('a', frame(text), 0, text.length, 2);
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual(handled, [], 'nothing before its book');
  shared.sentNs.set('AAPL', 2_000);
  await until(() => handled.length === 3, 'the held frames handled');
  assert.deepEqual(handled, [
    { client: 'a', text: 'order@2000', waited: true },
    { client: 'a', text: 'cancel', waited: false },
    { client: 'a', text: 'order@0', waited: false },
  ]);
  assert.equal(hold.holds('a'), false);
  hold.close();
});

test('the wait runs out: handled against the book there is; a later order ahead of its book is held again, the rest behind it', async () => {
  const { hold, handled, shared, frame } = holdWith(20);
  shared.sentNs.set('AAPL', 1_000);
  const first = frame('order@2000');
  hold.hold('a', first, 0, first.length, 1, 'AAPL', 2_000);
  for (const text of ['order@3000', 'heartbeat']) hold.queue('a', frame(text), 0, text.length, 2);
  const startedMs = performance.now();
  await until(() => handled.length >= 1, 'the first order after its wait');
  assert.ok(performance.now() - startedMs >= 19, 'after the wait');
  assert.deepEqual(handled, [{ client: 'a', text: 'order@2000', waited: true }]);
  assert.equal(hold.holds('a'), true, 'order@3000 is ahead of its book too: held, the heartbeat behind it');
  assert.equal(hold.heldBytes, 19, 'what is held again is counted once');
  shared.sentNs.set('AAPL', 3_000);
  await until(() => handled.length === 3, 'the rest');
  assert.deepEqual(handled.slice(1), [
    { client: 'a', text: 'order@3000', waited: true },
    { client: 'a', text: 'heartbeat', waited: false },
  ]);
  assert.equal(hold.heldBytes, 0);
  hold.close();
});

test('releaseNow: a client that went (or the process stopping) has everything handled at once, in order', () => {
  const { hold, handled, shared, frame } = holdWith(60_000);
  shared.sentNs.set('AAPL', 1_000);
  const a = frame('order@2000');
  hold.hold('a', a, 0, a.length, 1, 'AAPL', 2_000);
  hold.queue('a', frame('order@3000'), 0, 10, 2);
  hold.queue('a', frame('cancel'), 0, 6, 3);
  const b = frame('order@4000');
  hold.hold('b', b, 0, b.length, 1, 'AAPL', 4_000);
  hold.releaseNow('a');
  assert.deepEqual(handled.map((h) => `${h.client}:${h.text}:${h.waited}`), ['a:order@2000:true', 'a:order@3000:true', 'a:cancel:false']);
  assert.equal(hold.holds('a'), false);
  assert.equal(hold.holds('b'), true, 'the other client still waits');
  hold.releaseNow();
  assert.equal(handled.at(-1)?.text, 'order@4000');
  assert.equal(hold.size, 0);
  hold.close();
});

test('bounded: a client that sends more than maxHeldBytes while it waits has everything handled at once, in order', () => {
  const { hold, handled, shared, frame } = holdWith(60_000, 40);
  shared.sentNs.set('AAPL', 1_000);
  const first = frame('order@2000');
  hold.hold('a', first, 0, first.length, 1, 'AAPL', 2_000);
  for (const text of ['cancel-1', 'cancel-2', 'cancel-3']) hold.queue('a', frame(text), 0, text.length, 2);
  assert.equal(handled.length, 0, '34 bytes held: within the bound');
  hold.queue('a', frame('cancel-4'), 0, 8, 3);
  assert.deepEqual(
    handled.map((h) => `${h.text}:${h.waited}`),
    ['order@2000:true', 'cancel-1:false', 'cancel-2:false', 'cancel-3:false', 'cancel-4:false'],
    'past 40 bytes: the held order against the book there is, then the rest',
  );
  assert.equal(hold.holds('a'), false);
  hold.close();
});

test('bounded across clients: the client whose frames take the total past maxTotalHeldBytes has its own handled at once', () => {
  const { hold, handled, shared, frame } = holdWith(60_000, 1_000, 30);
  shared.sentNs.set('AAPL', 1_000);
  const a = frame('order@2000');
  hold.hold('a', a, 0, a.length, 1, 'AAPL', 2_000);
  hold.queue('a', frame('cancel-1'), 0, 8, 2);
  const b = frame('order@3000');
  hold.hold('b', b, 0, b.length, 1, 'AAPL', 3_000);
  assert.equal(hold.heldBytes, 28);
  assert.equal(handled.length, 0, '28 bytes held by two clients: within the total');
  hold.queue('b', frame('cancel-x'), 0, 8, 3);
  assert.deepEqual(handled.map((h) => `${h.client}:${h.text}:${h.waited}`), ['b:order@3000:true', 'b:cancel-x:false'], 'past 30 bytes: the client that crossed it');
  assert.equal(hold.holds('a'), true, 'the other still waits');
  assert.equal(hold.heldBytes, 18);
  // a new hold that would cross the total is not made: handled at once
  const c = frame('order@4000-and-more');
  hold.hold('c', c, 0, c.length, 4, 'AAPL', 4_000);
  assert.equal(handled.at(-1)?.text, 'order@4000-and-more');
  assert.equal(hold.holds('c'), false);
  assert.equal(hold.heldBytes, 18);
  hold.releaseNow();
  assert.equal(hold.heldBytes, 0);
  hold.close();
});
