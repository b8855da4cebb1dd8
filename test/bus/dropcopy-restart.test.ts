/**
 * A live `trading dropcopy` across nats-server restarts, graceful and crashes, one after the
 * other: after each restart it must print the fills published since, by itself, well
 * before the client library's own recovery (two missed idle heartbeats of its 30 s default
 * pull) could have rescued it. Before the drop copy replaced its consumer itself, a crash
 * restart stalled it every time: the library's recreated ordered consumer asked for only
 * as many messages as had arrived since its last pull (3 here, then nothing more for 30 s),
 * and a graceful restart stalled it whenever the server's 409 for the old pull request
 * lost the race with the socket's close.
 *
 * Fills are published by a NATS client straight into the stream, as the order manager's
 * mirror publishes them (binary TRADE_EXECUTION on exec.<SYMBOL>, the execution id as
 * Nats-Msg-Id), so each round controls exactly how many arrive before and after a restart.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { DEFAULT_EXECUTIONS_STREAM, EXECUTIONS_PREFIX } from '../../src/bus/subjects.js';
import { cleanupAll, spawnCli, stopChild, uniqueShmName, waitForOutput } from '../helpers/resources.js';
import { NATS_SKIP, startNatsServer, type TestNatsServer } from '../helpers/nats-server.js';
import { publishFills } from './stream-fills.js';

after(cleanupAll);

const ROUNDS = 6;
const BEFORE = 3;
const AFTER = 12;
/** Far below the 30 s the library needed to notice by itself, far above a healthy catch-up. */
const CATCH_UP_MS = 10_000;

/** The drop copy's JSON lines so far, and a wait (on its output, no polling) for the N-th. */
function follow(child: ChildProcess): { lines: () => Record<string, unknown>[]; output: () => string; untilLines: (n: number, what: string) => Promise<void> } {
  let out = '';
  let err = '';
  const waiters: { n: number; resolve: () => void }[] = [];
  const count = (): number => out.split('\n').filter((line) => line.startsWith('{')).length;
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    const have = count();
    for (const waiter of waiters.filter((w) => w.n <= have)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return {
    lines: () => out.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>),
    output: () => err,
    untilLines: (n, what) =>
      new Promise<void>((resolve, reject) => {
        if (count() >= n) return resolve();
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`${what}: the drop copy printed ${count()} of ${n} fills in ${CATCH_UP_MS} ms\n--- its log:\n${err}`));
        }, CATCH_UP_MS);
        const waiter = {
          n,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        waiters.push(waiter);
      }),
  };
}

test(`a live drop copy resumes by itself after each of ${ROUNDS} nats-server restarts (crashes and graceful), every fill once, in order`, { skip: NATS_SKIP, timeout: 120_000 }, async (t) => {
  let server: TestNatsServer | undefined;
  let nc: NatsConnection | undefined;
  try {
    server = await startNatsServer();
    nc = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    await (await jetstreamManager(nc)).streams.add({ name: DEFAULT_EXECUTIONS_STREAM, subjects: [`${EXECUTIONS_PREFIX}>`], storage: 'file' });

    const child = spawnCli(['dropcopy', '--bus', server.url, '--json', '--shm', uniqueShmName('platform-dc')], { env: { ...process.env, TRADING_LOG_LEVEL: 'info' } });
    const dropCopy = follow(child);
    await waitForOutput(child, /dropcopy +ready /);

    let published = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const crash = round % 2 === 1;
      await publishFills(nc, published + 1, published + BEFORE);
      published += BEFORE;
      await dropCopy.untilLines(published, `round ${round}, before the restart`);

      if (crash) await server.crash();
      else await server.stop();
      await server.restart();

      await publishFills(nc, published + 1, published + AFTER);
      published += AFTER;
      await dropCopy.untilLines(published, `round ${round}, after a ${crash ? 'crash' : 'graceful'} restart`);
    }

    const info = await (await jetstreamManager(nc)).streams.info(DEFAULT_EXECUTIONS_STREAM);
    assert.equal(info.state.messages, published, 'the stream holds every fill published');
    const lines = dropCopy.lines();
    assert.deepEqual(lines.map((line) => line['execution_id']), Array.from({ length: published }, (_, i) => `E${i + 1}`), 'every fill once, in order');
    assert.deepEqual(lines.map((line) => line['sequence']), Array.from({ length: published }, (_, i) => i + 1), 'stream sequences 1..N: no duplicate, no gap');
    const replaced = dropCopy.output().match(/stream consumer replaced/g)?.length ?? 0;
    assert.ok(replaced >= ROUNDS, `the drop copy replaced its consumer at each restart (${replaced} times):\n${dropCopy.output()}`);
    t.diagnostic(`${ROUNDS} restarts (${Math.ceil(ROUNDS / 2)} crashes, ${Math.floor(ROUNDS / 2)} graceful), ${published} fills, 0 stalls; consumer replaced ${replaced} times`);

    assert.equal(await stopChild(child), 0, dropCopy.output());
  } finally {
    await nc?.close().catch(() => undefined);
    await server?.stop();
  }
});
