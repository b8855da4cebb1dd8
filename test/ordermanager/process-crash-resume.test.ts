/**
 * A real `trading ordermanager` killed (SIGKILL) between the syncs of its two files, then
 * started again on what the crash left (built here by cutting one file back to a line
 * boundary), and a client resuming the journal's session: it is replayed exactly the
 * durable fills it had not seen, each once, with sequences that go on without a gap.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { toPriceUnits } from '../../src/core/fixed-point.js';
import { ExecutionStatus, type ExecutionReport } from '../../src/protocol/messages.js';
import { cleanupAll, stopChild, tempDir, uniqueShmName, waitForExit } from '../helpers/resources.js';
import { standardBook } from './fixtures.js';
import { OrderClient, TestBook, order, startOrderManager, strategyCredentials, type OrderManagerProcess } from './process-helpers.js';

after(cleanupAll);

function lines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((line) => line !== '') : [];
}

/** Cut `path` back to its first `keep` lines: what the crash left durable. */
function keepLines(path: string, keep: number): void {
  truncateSync(path, Buffer.byteLength(lines(path).slice(0, keep).map((line) => line + '\n').join('')));
}

async function stop(om: OrderManagerProcess | undefined): Promise<void> {
  if (om === undefined || om.child.exitCode !== null || om.child.signalCode !== null) return;
  await stopChild(om.child);
}

/**
 * The first process: `strategy` buys 30 (E1, sequence 1) then 20 (E2, sequence 2), both
 * reported; then it is killed. Returns what was sent and the session id.
 */
async function firstProcess(args: readonly string[], secret: string, clients: OrderClient[]): Promise<{ sent: ExecutionReport[]; session: string }> {
  const om = await startOrderManager(args);
  try {
    const owner = await OrderClient.helloed(om.port, { clientName: 'strategy', authToken: secret });
    clients.push(owner);
    const session = owner.answers()[0]?.session ?? '';
    assert.notEqual(session, '');
    owner.send(order({ orderId: 'x-1', price: toPriceUnits(100.03), quantity: 30 }), 'binary');
    await owner.untilDone('x-1');
    owner.send(order({ orderId: 'x-2', price: toPriceUnits(100.03), quantity: 20 }), 'binary');
    await owner.untilDone('x-2');
    const sent = owner.reports();
    assert.deepEqual(sent.map((r) => [r.sequence, r.executionId, r.status]), [
      [1, 'E1', ExecutionStatus.FILLED],
      [2, 'E2', ExecutionStatus.FILLED],
    ]);
    owner.close();
    return { sent, session };
  } finally {
    om.child.kill('SIGKILL');
    await waitForExit(om.child);
  }
}

async function setUp(label: string): Promise<{ tradeLog: string; secret: string; book: TestBook; args: string[] }> {
  const dir = tempDir(label);
  const tradeLog = join(dir, 'trades.log');
  const { secret, authFile } = await strategyCredentials(dir);
  const book = new TestBook(['AAPL'], uniqueShmName(label));
  book.write('AAPL', standardBook(1));
  return { tradeLog, secret, book, args: ['--shm', book.name, '--trade-log', tradeLog, '--auth-file', authFile] };
}

test('killed after a fill was durable in the trade log but before its report line: the next process numbers it, and a resuming client is replayed it', async () => {
  const { tradeLog, secret, book, args } = await setUp('recovery-om-unreported');
  const clients: OrderClient[] = [];
  let om: OrderManagerProcess | undefined;
  try {
    const { sent, session } = await firstProcess(args, secret, clients);
    // the crash point: E2 is in the trade log, its report line (the journal's last line) is not
    const orders = `${tradeLog}.orders`;
    keepLines(orders, lines(orders).length - 1);
    om = await startOrderManager(args);
    assert.match(om.output(), /fills in the trade log without their report line .*reports=1 first=E2/);

    // the client saw sequence 1: it is replayed E2 as sequence 2, as it was first sent
    const back = await OrderClient.helloed(om.port, { clientName: 'strategy', authToken: secret, session, lastSequence: 1 });
    clients.push(back);
    assert.equal(back.answers()[0]?.resumed, true, JSON.stringify(back.messages));
    // the replay ends at 2; nothing of the identity is working (its orders are filled)
    assert.deepEqual([back.answers()[0]?.replayTo, back.answers()[0]?.working], [2, []]);
    await back.until(() => back.reports().length === 1, 'the replayed fill');
    assert.deepEqual({ ...back.reports()[0] }, { ...sent[1] });
    assert.match(om.output(), /session open .*identity=strategy .*resumed=true replayed=1 fromJournal=1 sequence=2/);

    // numbering goes on after it, on a new book state
    book.write('AAPL', standardBook(2));
    back.send(order({ orderId: 'x-3', price: toPriceUnits(100.03), quantity: 10 }), 'binary');
    await back.untilDone('x-3');
    assert.deepEqual(back.reports('x-3').map((r) => [r.sequence, r.executionId]), [[3, 'E3']]);
    // each fill has exactly one report line
    const reported = lines(orders)
      .map((line) => JSON.parse(line) as { event: string; seq?: number; message?: { data?: { execution_id?: string } } })
      .filter((record) => record.event === 'report')
      .map((record) => [record.seq, record.message?.data?.execution_id]);
    assert.deepEqual(reported, [
      [1, 'E1'],
      [2, 'E2'],
      [3, 'E3'],
    ]);
  } finally {
    for (const client of clients) client.close();
    await stop(om);
    book.close();
  }
});

test('killed with a report line durable whose fill is not in the trade log: it is never replayed, and its sequence and execution id are not reused', async () => {
  const { tradeLog, secret, book, args } = await setUp('recovery-om-unlogged');
  const clients: OrderClient[] = [];
  let om: OrderManagerProcess | undefined;
  try {
    const { session } = await firstProcess(args, secret, clients);
    // the crash point: E2's report line is in the order journal, E2 itself is not in the trade log
    keepLines(tradeLog, 1);
    om = await startOrderManager(args);
    assert.match(om.output(), /reports of fills the trade log does not hold cut off.* reports=1/);
    assert.equal(lines(`${tradeLog}.orders.bad`).length, 1);

    // a client that saw sequence 1 resumes and is replayed nothing
    const back = await OrderClient.helloed(om.port, { clientName: 'strategy', authToken: secret, session, lastSequence: 1 });
    clients.push(back);
    assert.equal(back.answers()[0]?.resumed, true, JSON.stringify(back.messages));
    assert.match(om.output(), /session open .*identity=strategy .*resumed=true replayed=0 fromJournal=0 sequence=1/);
    book.write('AAPL', standardBook(2));
    back.send(order({ orderId: 'x-3', price: toPriceUnits(100.03), quantity: 10 }), 'binary');
    await back.untilDone('x-3');
    // the only report it got is the new fill: sequence 2 again, a new execution id
    assert.deepEqual(back.reports().map((r) => [r.sequence, r.executionId, r.orderId]), [[2, 'E3', 'x-3']]);
  } finally {
    for (const client of clients) client.close();
    await stop(om);
    book.close();
  }
});
