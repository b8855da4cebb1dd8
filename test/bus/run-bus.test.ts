/**
 * `trading run --bus URL`: the supervisor hands the bus to all four components; the books
 * come from NATS, the system trades, and the EXECUTIONS stream ends equal to the trade log.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { readTradeLog } from '../../src/ordermanager/trade-log-reader.js';
import { cleanupAll, spawnCli, tempDir, uniqueShmName, waitForExit } from '../helpers/resources.js';
import { NATS_SKIP, startNatsServer } from '../helpers/nats-server.js';

after(cleanupAll);

test('trading run --bus: every component on the bus, trades, and the stream holds every fill of the trade log', { skip: NATS_SKIP, timeout: 60_000 }, async () => {
  const server = await startNatsServer();
  const tradeLog = join(tempDir('runbus'), 'trades.log');
  const child = spawnCli(
    ['run', '--gateway-port', '0', '--order-manager-port', '0', '--no-dashboard', '--shm', uniqueShmName('runbus'), '--trade-log', tradeLog,
      '--strategy', 'imbalance', '--duration', '6', '--bus', server.url],
    { env: { ...process.env, TRADING_IMBALANCE_THRESHOLD: '0.05', TRADING_IMBALANCE_RESTING_TIMEOUT_MS: '300' } },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  assert.equal(await waitForExit(child), 0, output);
  for (const component of ['gateway', 'orderbook', 'ordermanager', 'strategy']) {
    assert.match(output, new RegExp(`component ready component=${component} .*bus=${server.url.replace(/[./]/g, '\\$&')}`), `${component} on the bus`);
  }
  const ids = readTradeLog(tradeLog).fills.map((fill) => fill.executionId);
  assert.ok(ids.length > 0, `expected trades:\n${output.slice(-3000)}`);
  const nc = await connect({ servers: server.url });
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info('EXECUTIONS');
  assert.equal(info.state.messages, ids.length, 'one stream message per fill');
  const last = await jsm.streams.getMessage('EXECUTIONS', { seq: info.state.last_seq });
  assert.equal(last?.header?.get('Nats-Msg-Id'), ids[ids.length - 1], 'the stream ends where the trade log ends');
  await nc.close();
  await server.stop();
});
