/**
 * Resync across disconnects, as a user runs the system: `trading run` while the strategy's
 * connection to the order manager is destroyed from outside 25 times (`ss -K`, as root:
 * the kernel aborts the socket, as a network failure would), then the strategy's own books
 * (`components.strategy.positions`) equal the trade log's (`trading.positions`). A seed
 * client (anonymous, JSON) still trades against the run, which provisioned credentials
 * for its own children. And the order manager itself killed (SIGKILL) and restarted by the
 * supervisor, 3 times: the strategy resumes its session with each new process, which
 * replays what it missed from the order journal, and its books still equal the trade log's.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { encodeFrame } from '../../src/protocol/framing.js';
import type { RunSummary } from '../../src/supervisor/summary.js';
import { cleanupAll, spawnCli, tempDir, uniqueShmName, waitForExit, waitForOutput } from '../helpers/resources.js';

after(cleanupAll);

const run = promisify(execFile);
const KILLS = 25;
const isRoot = process.getuid?.() === 0;

async function until(condition: () => boolean, what: string, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${output().slice(-4000)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test(`${KILLS} destroyed order-manager connections: the strategy's positions still equal the trade log's`, { timeout: 120_000, skip: isRoot ? false : 'needs root for ss -K' }, async () => {
  const dir = tempDir('resync');
  const shm = uniqueShmName('resync');
  const tradeLog = join(dir, 'trades.log');
  const summaryFile = join(dir, 'summary.json');
  const child = spawnCli(
    ['run', '--gateway-port', '0', '--order-manager-port', '0', '--shm', shm, '--trade-log', tradeLog, '--summary', summaryFile, '--rate', '20', '--duration', '34'],
    { env: { ...process.env, TRADING_AUTH_TOKEN: 'a-token-of-the-user-shell-that-must-not-matter' } },
  );
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const output = (): string => text;
  try {
    await waitForOutput(child, /system ready/, 30_000);
    const port = Number(/component ready component=ordermanager .*?port=(\d+)/.exec(text)?.[1]);
    assert.ok(port > 0, text);
    const sessionsOpen = (): number => [...text.matchAll(/strategy\.ordermanager\s+session open/g)].length;
    await until(() => sessionsOpen() >= 1, 'the first session open', 10_000, output);
    assert.equal(sessionsOpen(), 1);
    // the run provisioned credentials: the order manager knows the strategy by its proven identity
    await until(() => /ordermanager\.session\s+session open .*identity=strategy/.test(text), 'the identity in the order manager log', 10_000, output);

    // a seed client: anonymous, JSON; it reads a price from the gateway as the seed's do, and buys 1 % through the ask (within the 5 % collar)
    const gatewayPort = Number(/component ready component=gateway .*?port=(\d+)/.exec(text)?.[1]);
    const ask = await seedAsk(gatewayPort, 'AAPL');
    const seed = connect({ port, host: '127.0.0.1' });
    await once(seed, 'connect');
    seed.on('error', () => undefined);
    const seedOrder = { type: 4, data: { order_id: 'SEED_1', symbol: 'AAPL', side: 'BUY', price: Math.round(ask * 1.01 * 100) / 100, quantity: 1, timestamp: Date.now() / 1000 } };
    let seedAnswers = '';
    seed.on('data', (chunk: Buffer) => (seedAnswers += chunk.toString('utf8')));
    seed.write(encodeFrame(Buffer.from(JSON.stringify(seedOrder), 'utf8')));
    // its answer first: `ss -K` below aborts every connection to the order manager, the seed's too,
    // and an order still unread when its connection is reset is never read (as over a real network)
    await until(() => seedAnswers.includes('SEED_1'), "the seed client's answer", 10_000, () => `${seedAnswers}\n${text}`);

    // the strategy's first trades come after 10 s of market data; destroy its connection meanwhile and after
    for (let kill = 1; kill <= KILLS; kill++) {
      await run('ss', ['-K', 'dst', '127.0.0.1', 'dport', '=', `:${port}`]);
      await until(() => sessionsOpen() >= kill + 1, `session ${kill + 1} open again`, 15_000, output);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    seed.destroy();
    assert.equal(await waitForExit(child), 0, text.slice(-4000));
    const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as RunSummary;
    const strategy = summary.components['strategy'];
    assert.ok(strategy !== undefined);
    const flat = (positions: Record<string, number>): Record<string, number> => Object.fromEntries(Object.entries(positions).filter(([, quantity]) => quantity !== 0));
    // the seed client's fill is in the trade log but is not the strategy's
    const seedFills = readFileSync(tradeLog, 'utf8')
      .split('\n')
      .filter((line) => line.includes('"SEED_1"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((record) => typeof record['execution_id'] === 'string');
    const seedShares = seedFills.reduce((sum, fill) => sum + Number(fill['quantity']), 0);
    const tradeLogPositions = { ...summary.trading.positions };
    tradeLogPositions['AAPL'] = (tradeLogPositions['AAPL'] ?? 0) - seedShares;
    assert.ok(summary.trading.fills > 1, `the strategy traded: ${JSON.stringify(summary.trading)}`);
    assert.deepEqual(flat(strategy.positions), flat(tradeLogPositions), `strategy ${JSON.stringify(strategy.positions)} vs trade log ${JSON.stringify(summary.trading.positions)}`);
    const counters = strategy.counters;
    const resumes = [...text.matchAll(/strategy\.ordermanager\s+session open [^\n]*resumed=true/g)].length;
    console.log(
      `# ${KILLS} kills: sessions opened ${sessionsOpen()}, resumed ${resumes}, ` +
        `fills ${summary.trading.fills}, strategy ${JSON.stringify(strategy.positions)} = trade log ${JSON.stringify(summary.trading.positions)} (seed ${seedShares})`,
    );
    assert.equal(sessionsOpen(), KILLS + 1, 'one session per connection');
    assert.equal(resumes, KILLS, 'every reconnect resumed its session');
    assert.equal(counters['orders_abandoned'] ?? 0, 0);
    assert.ok(!text.includes('a-token-of-the-user-shell-that-must-not-matter'));
    assert.equal(seedShares, 1, `the seed client traded against the run: ${seedAnswers}`);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test('the order manager killed 3 times (SIGKILL) and restarted: the strategy resumes from the journal and its positions equal the trade log\'s', { timeout: 120_000 }, async () => {
  const dir = tempDir('resync-restart');
  const shm = uniqueShmName('resync-restart');
  const tradeLog = join(dir, 'trades.log');
  const summaryFile = join(dir, 'summary.json');
  const child = spawnCli(['run', '--gateway-port', '0', '--order-manager-port', '0', '--shm', shm, '--trade-log', tradeLog, '--summary', summaryFile, '--rate', '20', '--duration', '32']);
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const output = (): string => text;
  const strategyFills = (): number => (existsSync(tradeLog) ? readFileSync(tradeLog, 'utf8').split('\n').filter((line) => line.includes('"client":"strategy"')).length : 0);
  const readies = (): RegExpMatchArray[] => [...text.matchAll(/component ready component=ordermanager pid=(\d+)/g)];
  const resumes = (): number => [...text.matchAll(/strategy\.ordermanager\s+session open [^\n]*resumed=true/g)].length;
  try {
    await waitForOutput(child, /system ready/, 30_000);
    // the strategy trades after 10 s of market data
    await until(() => strategyFills() > 0, 'a first fill of the strategy', 30_000, output);
    for (let kill = 1; kill <= 3; kill++) {
      const pid = Number(readies().at(-1)?.[1]);
      assert.ok(pid > 0, text);
      process.kill(pid, 'SIGKILL');
      await until(() => readies().length === kill + 1, `order manager ${kill + 1} ready`, 20_000, output);
      await until(() => resumes() >= kill, `the strategy's session resumed with order manager ${kill + 1}`, 20_000, output);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
    }
    assert.equal(await waitForExit(child), 0, text.slice(-4000));
    const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as RunSummary;
    const strategy = summary.components['strategy'];
    assert.ok(strategy !== undefined);
    const flat = (positions: Record<string, number>): Record<string, number> => Object.fromEntries(Object.entries(positions).filter(([, quantity]) => quantity !== 0));
    const replayed = [...text.matchAll(/ordermanager\.session\s+session open [^\n]*identity=strategy [^\n]*resumed=true replayed=(\d+)/g)].map((m) => Number(m[1]));
    const working = [...text.matchAll(/ordermanager\.session\s+session open [^\n]*identity=strategy [^\n]*resumed=true [^\n]*working=(\d+)/g)].map((m) => Number(m[1]));
    console.log(
      `# 3 order manager kills: resumed ${resumes()}, replayed ${JSON.stringify(replayed)}, working at resume ${JSON.stringify(working)}, ` +
        `orders lost ${strategy.counters['orders_lost'] ?? 0}, open at the end ${strategy.counters['open_orders'] ?? 0}, ` +
        `fills ${summary.trading.fills}, strategy ${JSON.stringify(strategy.positions)} = trade log ${JSON.stringify(summary.trading.positions)}`,
    );
    // every new order manager listed its working orders, so every resume was checked
    assert.equal(working.length, 3, 'each resume listed the working orders');
    assert.equal(strategy.counters['unreconciled_resumes'] ?? 0, 0);
    assert.ok(summary.trading.fills > 1, `the strategy traded: ${JSON.stringify(summary.trading)}`);
    assert.equal(summary.components['ordermanager']?.restarts, 3);
    assert.deepEqual(flat(strategy.positions), flat(summary.trading.positions), `strategy ${JSON.stringify(strategy.positions)} vs trade log ${JSON.stringify(summary.trading.positions)}`);
    assert.equal(resumes(), 3, 'every new order manager resumed the strategy\'s session');
    assert.equal(strategy.counters['orders_abandoned'] ?? 0, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

/** The best ask of `symbol` from the gateway's JSON stream, read as a seed client reads it. */
async function seedAsk(port: number, symbol: string): Promise<number> {
  const socket = connect({ port, host: '127.0.0.1' });
  socket.on('error', () => undefined);
  let pending = Buffer.alloc(0);
  try {
    return await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no market data from the gateway')), 10_000);
      socket.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32BE(0)) {
          const length = pending.readUInt32BE(0);
          const message = JSON.parse(pending.toString('utf8', 4, 4 + length)) as { type: number; data: { symbol?: string; asks?: [number, number][] } };
          pending = pending.subarray(4 + length);
          const best = message.data.asks?.[0]?.[0];
          if (message.type === 1 && message.data.symbol === symbol && best !== undefined) {
            clearTimeout(timer);
            resolve(best);
          }
        }
      });
    });
  } finally {
    socket.destroy();
  }
}
