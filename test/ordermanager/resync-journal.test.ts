/**
 * Resync beyond memory, against a real `trading ordermanager` with an auth file: a client
 * that resumes after a sequence older than the session's ring (--replay-reports) is sent
 * the rest from the order journal; and after the order manager is killed (SIGKILL) and
 * started again on the same trade log, a client that says the journal's session and the
 * last sequence it saw is replayed every later report, then numbering goes on.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toPriceUnits } from '../../src/core/fixed-point.js';
import { ExecutionStatus, MessageType, TimeInForce, type ExecutionReport } from '../../src/protocol/messages.js';
import { readComponentCounters } from '../helpers/counters.js';
import { cleanupAll, stopChild, tempDir, waitForExit } from '../helpers/resources.js';
import { makeBook, standardBook } from './fixtures.js';
import { OrderClient, TestBook, order, startOrderManager, startOrderManagerWithAuth, strategyCredentials, type OrderManagerProcess } from './process-helpers.js';

after(cleanupAll);

/** What a report says, without the wire's kind (a replay is sent in the client's mode). */
function comparable(reports: readonly ExecutionReport[]): unknown[] {
  return reports.map((report) => ({ ...report }));
}

async function stop(om: OrderManagerProcess): Promise<void> {
  if (om.child.exitCode !== null || om.child.signalCode !== null) return;
  await stopChild(om.child);
}

test('a resume older than the ring: the reports it no longer holds are read back from the order journal, in order, as they were sent', async () => {
  const { secret, book, om } = await startOrderManagerWithAuth('om-resync-ring', ['--replay-reports', '16']);
  const clients: OrderClient[] = [];
  try {
    const owner = await OrderClient.helloed(om.port, { clientName: 'strategy', authToken: secret });
    clients.push(owner);
    const session = owner.answers()[0]?.session ?? '';
    assert.notEqual(session, '');
    // 30 reports: fills, and rejects (a symbol the book does not have), each numbered
    for (let i = 1; i <= 30; i++) {
      const symbol = i % 5 === 0 ? 'MSFT' : 'AAPL';
      owner.send(order({ orderId: `o-${i}`, symbol, price: toPriceUnits(100.03), quantity: 10 }), 'binary');
    }
    await owner.until(() => owner.reports().length === 30, '30 reports');
    const sent = owner.reports();
    assert.deepEqual(sent.map((r) => r.sequence), sent.map((_, i) => i + 1));
    assert.equal(sent.filter((r) => r.status === ExecutionStatus.REJECTED).length, 6);

    // it says it saw only the first 3: 27 to replay, 16 in the ring, 11 from the journal
    const back = await OrderClient.helloed(om.port, { clientName: 'strategy', authToken: secret, session, lastSequence: 3 });
    clients.push(back);
    assert.equal(back.answers()[0]?.resumed, true, JSON.stringify(back.messages));
    await back.until(() => back.reports().length === 27, 'the 27 later reports');
    assert.deepEqual(comparable(back.reports()), comparable(sent.slice(3)));
    assert.match(om.output(), /session open .*identity=strategy .*resumed=true replayed=27 fromJournal=11/);
    // and in the counters segment (/metrics, trading stat), as of the next publish
    const counters = (): Record<string, number> => readComponentCounters(book.name, 'ordermanager');
    await back.until(() => counters()['reports_replayed'] === 27, 'reports_replayed 27 in the counters segment');
    assert.equal(counters()['reports_replayed_from_journal'], 11);
    assert.equal(counters()['sessions_resumed'], 1);
    assert.equal(counters()['session_takeovers'], 1, 'the second HELLO of the identity took the session over');
    assert.equal(counters()['auth_busy_refusals'], 0);
  } finally {
    for (const client of clients) client.close();
    await stop(om);
    book.close();
  }
});

test('order manager killed and started again on the same log: the journal session resumes, the missed reports are replayed, numbering goes on', async () => {
  const dir = tempDir('om-resync-restart');
  const tradeLog = join(dir, 'trades.log');
  const { secret, authFile } = await strategyCredentials(dir);
  const book = new TestBook(['AAPL']);
  book.write('AAPL', standardBook(1));
  const args = ['--shm', book.name, '--trade-log', tradeLog, '--auth-file', authFile];
  let om = await startOrderManager(args);
  const clients: OrderClient[] = [];
  try {
    const owner = await OrderClient.helloed(om.port, { clientName: 'strategy', authToken: secret });
    clients.push(owner);
    const session = owner.answers()[0]?.session ?? '';
    // a DAY buy rests (NEW), an IOC buy fills, an order is rejected
    owner.send(order({ orderId: 'rest-1', price: toPriceUnits(99.5), timeInForce: TimeInForce.DAY, quantity: 50 }), 'binary');
    owner.send(order({ orderId: 'ioc-1', price: toPriceUnits(100.03), quantity: 20 }), 'binary');
    owner.send(order({ orderId: 'bad-1', symbol: 'MSFT', price: toPriceUnits(100.03) }), 'binary');
    await owner.until(() => owner.reports().length === 3, 'three reports');
    const sent = owner.reports();

    // the process dies (nothing graceful: the resting order stays resting in the journal)
    om.child.kill('SIGKILL');
    await waitForExit(om.child);
    owner.close();
    om = await startOrderManager(args);
    assert.match(om.output(), /resting orders restored from the order journal .*orders=1/);

    // the client saw only the first report: the other two come from the new process's journal
    const back = await OrderClient.helloed(om.port, { clientName: 'strategy', authToken: secret, session, lastSequence: 1 });
    clients.push(back);
    const answer = back.answers()[0];
    assert.equal(answer?.session, session, 'the session id is the journal\'s, not the process\'s');
    assert.equal(answer?.resumed, true, JSON.stringify(back.messages));
    await back.until(() => back.reports().length === 2, 'the two missed reports');
    assert.deepEqual(comparable(back.reports()), comparable(sent.slice(1)));

    // the restored order fills in the new process: sequence 4
    book.write('AAPL', makeBook({ bids: [[99.4, 100]], asks: [[99.5, 100], [100.01, 100]], sequence: 2 }));
    await back.until(() => back.reports('rest-1').some((r) => r.status === ExecutionStatus.FILLED), 'rest-1 filled');
    const fill = back.reports('rest-1').find((r) => r.status === ExecutionStatus.FILLED);
    assert.equal(fill?.sequence, 4);
    assert.equal(fill?.filledQuantity, 50);

    // a session id of another journal is not resumed: told where numbering stands instead
    const stranger = await OrderClient.helloed(om.port, { clientName: 'strategy', authToken: secret, session: 'another-journal', lastSequence: 1 });
    clients.push(stranger);
    assert.equal(stranger.answers()[0]?.resumed, false);
    assert.equal(stranger.answers()[0]?.lastSequence, 4);
    assert.deepEqual(stranger.reports(), []);

    // every numbered report is in the order journal, once
    const lines = readFileSync(`${tradeLog}.orders`, 'utf8').split('\n').filter((line) => line.includes('"event":"report"'));
    assert.deepEqual(lines.map((line) => (JSON.parse(line) as { seq: number }).seq), [1, 2, 3, 4]);
    assert.equal(lines.every((line) => line.includes('"client":"strategy"')), true);
    // the stranger proved the identity, so it took the session over
    assert.deepEqual(back.messages.flatMap((m) => (m.type === MessageType.ERROR ? [m.code] : [])), ['E_SESSION_TAKEN_OVER']);
  } finally {
    for (const client of clients) client.close();
    await stop(om);
    book.close();
  }
});
