/**
 * Sessions you can trust, against a real `trading ordermanager` with an auth file: a client
 * claiming a live identity's name (no token, a wrong token, while the owner is connected,
 * right after its connection drops) receives none of its reports and cannot cancel its
 * orders; the owner keeps every one of its reports, replayed after a reconnect.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { toPriceUnits } from '../../src/core/fixed-point.js';
import { ExecutionStatus, MessageType, Side, TimeInForce, type ExecutionReport } from '../../src/protocol/messages.js';
import { generateSecret } from '../../src/session/credentials.js';
import { cleanupAll, stopChild } from '../helpers/resources.js';
import { makeBook } from './fixtures.js';
import { OrderClient, order, startOrderManagerWithAuth } from './process-helpers.js';

after(cleanupAll);

/** Connect and say HELLO; resolves once the server answered (or refused). */
async function hello(port: number, fields: { clientName: string; authToken?: string; session?: string; lastSequence?: number }): Promise<OrderClient> {
  const client = await OrderClient.connect(port, 'json');
  client.sayHello(fields);
  await client.until(() => client.answers().length > 0 || client.errors().length > 0 || client.closed, 'an answer to HELLO').catch(() => undefined);
  return client;
}

async function refused(port: number, fields: { clientName: string; authToken?: string }): Promise<OrderClient> {
  const client = await hello(port, fields);
  await client.until(() => client.closed, 'the connection closed after the refusal').catch((error: unknown) => {
    if (!client.closed) throw error;
  });
  assert.deepEqual(client.errors().map((e) => e.code), ['E_AUTH_FAILED'], `refused: ${JSON.stringify(client.messages)}`);
  assert.equal(client.answers().length, 0);
  return client;
}

function sequences(reports: readonly ExecutionReport[]): number[] {
  return reports.map((r) => r.sequence);
}

test('identity takeover: no token, a wrong token, while the owner is connected and right after it drops: nothing of the owner leaks, nothing of its is cancelled', async () => {
  const { secret, book, om } = await startOrderManagerWithAuth('om-identity', ['--resume-grace-ms', '60000'], { authFileHeader: '# test credentials\n' });
  const wrong = generateSecret();
  const attackers: OrderClient[] = [];
  try {
    // the owner proves its identity and rests two DAY buys below the market
    const owner = await hello(om.port, { clientName: 'strategy', authToken: secret });
    const answer = owner.answers()[0];
    assert.ok(answer !== undefined, JSON.stringify(owner.messages));
    assert.equal(answer.resumed, false);
    assert.ok((answer.session ?? '') !== '');
    owner.send(order({ orderId: 'own-1', price: toPriceUnits(99.5), timeInForce: TimeInForce.DAY }), 'binary');
    owner.send(order({ orderId: 'own-2', price: toPriceUnits(99.4), timeInForce: TimeInForce.DAY }), 'binary');
    await owner.until(() => owner.reports().length === 2, 'two NEW reports');

    // while the owner is connected: no token, a wrong token
    attackers.push(await refused(om.port, { clientName: 'strategy' }));
    attackers.push(await refused(om.port, { clientName: 'strategy', authToken: wrong }));
    // an anonymous seed-style client and a HELLO under a name of its own: in, but alone
    const seed = await OrderClient.connect(om.port, 'json');
    attackers.push(seed);
    const named = await hello(om.port, { clientName: 'strategy-2' });
    attackers.push(named);
    assert.equal(named.answers().length, 1, 'an anonymous HELLO is let in on loopback');
    for (const client of [seed, named]) {
      client.send({ type: MessageType.CANCEL, orderId: 'own-1', symbol: 'AAPL', timestamp: 0 });
      await client.until(() => client.errors().length === 1, 'the cancel refused');
      assert.equal(client.errors()[0]?.code, 'E_ORDER_UNKNOWN');
    }

    // the market trades through own-1: the fill goes to the owner only
    book.write('AAPL', makeBook({ bids: [[99.99, 100]], asks: [[99.5, 100], [100.01, 100]], sequence: 2 }));
    await owner.until(() => owner.reports('own-1').some((r) => r.status === ExecutionStatus.FILLED), 'own-1 filled');

    // the owner's connection drops; at once, the takeover attempts again
    const lastSeen = Math.max(...sequences(owner.reports()));
    owner.close();
    attackers.push(await refused(om.port, { clientName: 'strategy' }));
    attackers.push(await refused(om.port, { clientName: 'strategy', authToken: wrong }));
    // while it is away own-2 fills (the report waits for it) and the attackers try to cancel it
    book.write('AAPL', makeBook({ bids: [[99.99, 100]], asks: [[99.4, 100], [100.01, 100]], sequence: 3 }));
    named.send({ type: MessageType.CANCEL, orderId: 'own-2', symbol: 'AAPL', timestamp: 0 });
    await named.until(() => named.errors().length === 2, 'the second cancel refused');
    assert.equal(named.errors()[1]?.code, 'E_ORDER_UNKNOWN');

    // the owner comes back, says what it saw, and is told everything it missed, in order
    const back = await hello(om.port, { clientName: 'strategy', authToken: secret, session: answer.session ?? '', lastSequence: lastSeen });
    const resumed = back.answers()[0];
    assert.equal(resumed?.resumed, true, JSON.stringify(back.messages));
    await back.until(() => back.reports('own-2').some((r) => r.status === ExecutionStatus.FILLED), 'own-2 filled, replayed');
    const all = [...owner.reports(), ...back.reports()];
    const numbers = sequences(all);
    assert.deepEqual(numbers, numbers.map((_, index) => index + 1), 'every report of the identity, numbered without a gap');
    assert.equal(all.filter((r) => r.status === ExecutionStatus.FILLED).length, 2);
    assert.equal(all.find((r) => r.orderId === 'own-2' && r.status === ExecutionStatus.FILLED)?.side, Side.BUY);

    // nobody else ever heard of the owner's orders
    for (const attacker of attackers) {
      assert.deepEqual(attacker.reports(), [], `an attacker got reports: ${JSON.stringify(attacker.messages)}`);
    }
    back.close();
    assert.equal(await stopChild(om.child), 0);
    const output = om.output();
    assert.ok(!output.includes(secret) && !output.includes(wrong), 'no secret in the log');
    assert.match(output, /session refused: closing client .*code=E_AUTH_FAILED/);
  } finally {
    for (const attacker of attackers) attacker.close();
    if (om.child.exitCode === null) om.child.kill('SIGKILL');
    book.close();
  }
});

test('a newer connection that proves the identity takes the session over; the older one is told and closed', async () => {
  const { secret, book, om } = await startOrderManagerWithAuth('om-takeover', ['--no-anonymous']);
  try {
    const first = await hello(om.port, { clientName: 'strategy', authToken: secret });
    assert.equal(first.answers().length, 1);
    const second = await hello(om.port, { clientName: 'strategy', authToken: secret });
    assert.equal(second.answers().length, 1);
    await first.until(() => first.closed, 'the older connection closed');
    assert.deepEqual(first.errors().map((e) => e.code), ['E_SESSION_TAKEN_OVER']);
    // --no-anonymous: a seed client's order is refused, not executed
    const seed = await OrderClient.connect(om.port, 'json');
    seed.send(order({ orderId: 'anon-1', price: toPriceUnits(100.03) }));
    await seed.until(() => seed.errors().length > 0, 'the refusal');
    assert.equal(seed.errors()[0]?.code, 'E_AUTH_REQUIRED');
    assert.deepEqual(seed.reports(), []);
    second.close();
    seed.close();
  } finally {
    await stopChild(om.child);
    book.close();
  }
});

test('resting DAY orders of a gone identity survive its disconnect for the grace period, then are cancelled; a resume then replays the cancel', async () => {
  const { secret, book, om } = await startOrderManagerWithAuth('om-grace', ['--resume-grace-ms', '300']);
  try {
    const owner = await hello(om.port, { clientName: 'strategy', authToken: secret });
    const session = owner.answers()[0]?.session ?? '';
    owner.send(order({ orderId: 'rest-1', price: toPriceUnits(99.5), timeInForce: TimeInForce.DAY }), 'binary');
    await owner.until(() => owner.reports('rest-1').length === 1, 'NEW');
    const lastSeen = Math.max(...sequences(owner.reports()));
    owner.close();
    await waitForOutputOf(om.output, /resume grace over: resting orders canceled client=strategy orders=1/);
    const back = await hello(om.port, { clientName: 'strategy', authToken: secret, session, lastSequence: lastSeen });
    assert.equal(back.answers()[0]?.resumed, true);
    await back.until(() => back.reports('rest-1').some((r) => r.status === ExecutionStatus.CANCELED), 'the cancel, replayed');
    assert.match(back.reports('rest-1')[0]?.reason ?? '', /resume grace/);
    back.close();
  } finally {
    await stopChild(om.child);
    book.close();
  }
});

async function waitForOutputOf(output: () => string, pattern: RegExp, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(output())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
