/**
 * The client half of the session layer against a slow answer. A server that never answered
 * our HELLO is taken for a JSON-only peer after helloTimeoutMs; but one that opened our
 * session on an earlier connection speaks HELLO: a slow answer from it (a restarted order
 * manager checking our secret on a loaded machine) is waited for, so that the session it
 * resumes is not given up (the strategy abandons its open orders on a session that opens
 * without being resumed, and ignores the reports replayed for them afterwards).
 */
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, setLogSink } from '../../src/core/log.js';
import { MessageType, PROTOCOL_VERSION, type Hello } from '../../src/protocol/messages.js';
import { ClientSession } from '../../src/session/client-session.js';

const HELLO_TIMEOUT_MS = 500;

function answer(fields: Partial<Hello>): Hello {
  return { type: MessageType.HELLO, protocolVersion: PROTOCOL_VERSION, clientName: 'ordermanager', binary: true, session: 'journal-1', lastSequence: 0, resumed: false, ...fields };
}

function session(): { session: ClientSession; opened: boolean[]; logged: string[] } {
  const opened: boolean[] = [];
  const logged: string[] = [];
  setLogSink((line) => logged.push(line));
  const client = new ClientSession({
    name: 'strategy',
    token: 'secret',
    resync: true,
    helloTimeoutMs: HELLO_TIMEOUT_MS,
    send: () => 'sent',
    log: createLogger('strategy.ordermanager'),
    onOpen: (s) => opened.push(s.resumed),
  });
  return { session: client, opened, logged };
}

test('a server that opened our session before and answers a reconnect late: waited for, and the session it resumes is resumed', (t) => {
  t.after(() => setLogSink(() => undefined));
  mock.timers.enable({ apis: ['setTimeout'] });
  t.after(() => mock.timers.reset());
  const { session: client, opened, logged } = session();
  client.connected();
  client.handle(answer({}));
  client.noteSequence(7);
  assert.deepEqual(opened, [false]);

  client.disconnected();
  client.connected();
  mock.timers.tick(HELLO_TIMEOUT_MS * 3);
  assert.equal(client.state, 'negotiating', 'still waiting for the answer');
  assert.equal(client.counters.jsonFallbacks, 0);
  assert.equal(client.counters.slowAnswers, 1);
  assert.ok(logged.some((line) => /no HELLO answer yet from a server that opened our session before/.test(line)), logged.join('\n'));
  assert.deepEqual(opened, [false], 'not opened without the answer');

  client.handle(answer({ resumed: true, lastSequence: 7 }));
  assert.equal(client.state, 'open');
  assert.equal(client.mode, 'binary');
  assert.deepEqual(opened, [false, true], 'opened once, resumed');
  assert.equal(client.lastSequence, 7);
});

test('a server that never answered a HELLO: after helloTimeoutMs it is a JSON-only peer, as before', (t) => {
  t.after(() => setLogSink(() => undefined));
  mock.timers.enable({ apis: ['setTimeout'] });
  t.after(() => mock.timers.reset());
  const { session: client, opened } = session();
  client.connected();
  mock.timers.tick(HELLO_TIMEOUT_MS);
  assert.equal(client.state, 'open');
  assert.equal(client.mode, 'json');
  assert.equal(client.counters.jsonFallbacks, 1);
  assert.equal(client.counters.slowAnswers, 0);
  assert.deepEqual(opened, [false]);
});

test('a resumed answer\'s replay end and working order ids are kept for the application; an answer that lists none, or a new session, leaves them unset', (t) => {
  t.after(() => setLogSink(() => undefined));
  const { session: client } = session();
  client.connected();
  client.handle(answer({ replayTo: 3, working: ['a'] }));
  assert.equal(client.working, undefined, 'a session opened, not resumed');
  assert.equal(client.replayTo, 0);
  client.noteSequence(3);

  client.disconnected();
  client.connected();
  client.handle(answer({ resumed: true, lastSequence: 3, replayTo: 8, working: ['s-1', 's-4'] }));
  assert.equal(client.resumed, true);
  assert.equal(client.replayTo, 8);
  assert.deepEqual(client.working, ['s-1', 's-4']);

  // an older order manager: resumed, says neither
  client.disconnected();
  client.connected();
  assert.equal(client.working, undefined, 'reset on each connection');
  client.handle(answer({ resumed: true, lastSequence: 3 }));
  assert.equal(client.resumed, true);
  assert.equal(client.working, undefined);
  assert.equal(client.replayTo, 0);
});
