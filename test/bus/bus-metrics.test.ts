/**
 * The bus's counters in the metrics registry: a `trading run --bus` system, read from
 * outside with `trading stat --json` and its `/metrics`, shows each component's bus
 * figures; a nats-server restart shows as reconnects and as market data the gateway could
 * not publish meanwhile, and the fill mirror's lag is back at 0 with the stream holding
 * every fill of the trade log.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { StatJson } from '../../src/stat/stat-format.js';
import { readTradeLog } from '../../src/ordermanager/trade-log-reader.js';
import { readStat } from '../helpers/cli.js';
import { cleanupAll, spawnCli, stopChild, tempDir, uniqueShmName, waitForOutput } from '../helpers/resources.js';
import { NATS_SKIP, startNatsServer, type TestNatsServer } from '../helpers/nats-server.js';

after(cleanupAll);

type Counters = Record<string, Record<string, number>>;

function countersOf(json: StatJson): Counters {
  return Object.fromEntries(json.components.map((c) => [c.component, c.counters]));
}

/** Read the counters with `trading stat` until `condition` holds (counters are published every interval; no signal to wait on). */
async function statUntil(shm: string, condition: (c: Counters) => boolean, what: string, timeoutMs = 20_000): Promise<Counters> {
  const deadline = Date.now() + timeoutMs;
  let last: Counters;
  for (;;) {
    last = countersOf(await readStat(shm));
    if (condition(last)) return last;
    if (Date.now() > deadline) throw new Error(`${what}: not seen in ${timeoutMs} ms; last counters:\n${JSON.stringify(last, null, 1)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const value = (c: Counters, component: string, name: string): number => c[component]?.[name] ?? Number.NaN;

function sampleOf(text: string, name: string, component: string): number {
  const match = new RegExp(`^${name}\\{component="${component}"\\} (\\S+)$`, 'm').exec(text);
  return match === null ? Number.NaN : Number(match[1]);
}

test('the bus counters are in trading stat and /metrics: published, received, reconnects, skipped while down, the mirror and its lag', { skip: NATS_SKIP, timeout: 90_000 }, async (t) => {
  let server: TestNatsServer | undefined;
  try {
    server = await startNatsServer();
    const dir = tempDir('busmetrics');
    const shm = uniqueShmName('busmetrics');
    const tradeLog = join(dir, 'trades.log');
    const run = spawnCli(
      ['run', '--gateway-port', '0', '--order-manager-port', '0', '--no-dashboard', '--metrics-port', '0', '--shm', shm, '--trade-log', tradeLog,
        '--strategy', 'imbalance', '--bus', server.url],
      { env: { ...process.env, TRADING_IMBALANCE_THRESHOLD: '0.05', TRADING_IMBALANCE_RESTING_TIMEOUT_MS: '300' } },
    );
    let output = '';
    run.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    run.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const ready = await waitForOutput(run, /system ready/, 30_000);
    const metricsPort = Number(/metricsPort=(\d+)/.exec(ready)?.[1]);
    assert.ok(metricsPort > 0, ready);

    // on the bus and trading: each component's own figures move
    const before = await statUntil(
      shm,
      (c) =>
        ['gateway', 'orderbook', 'strategy', 'ordermanager'].every((name) => value(c, name, 'bus_connected') === 1) &&
        value(c, 'gateway', 'bus_published') > 0 &&
        value(c, 'orderbook', 'bus_received') > 0 &&
        value(c, 'strategy', 'bus_received') > 0 &&
        value(c, 'ordermanager', 'mirror_published') > 0,
      'all four connected to the bus, market data published and received, fills mirrored',
    );
    assert.ok(value(before, 'gateway', 'bus_published_bytes') > value(before, 'gateway', 'bus_published'), 'payload bytes counted');
    for (const name of ['gateway', 'orderbook', 'strategy', 'ordermanager']) assert.equal(value(before, name, 'bus_reconnects'), 0, `${name}: no reconnect yet`);
    assert.equal(value(before, 'gateway', 'bus_skipped'), 0, 'nothing skipped while connected');
    assert.equal(value(before, 'ordermanager', 'mirror_store_losses'), 0);
    assert.equal(value(before, 'ordermanager', 'mirror_heals'), 0, 'no fill from before the bus to read back');

    // nats-server goes away: the gateway counts what it could not publish, everyone sees it
    await server.stop();
    const down = await statUntil(
      shm,
      (c) => value(c, 'gateway', 'bus_skipped') > 0 && ['gateway', 'orderbook', 'strategy', 'ordermanager'].every((name) => value(c, name, 'bus_connected') === 0),
      'all four disconnected, the gateway skipping',
    );
    await server.restart();
    const back = await statUntil(
      shm,
      (c) =>
        ['gateway', 'orderbook', 'strategy', 'ordermanager'].every((name) => value(c, name, 'bus_connected') === 1 && value(c, name, 'bus_reconnects') >= 1) &&
        value(c, 'orderbook', 'bus_received') > value(down, 'orderbook', 'bus_received') &&
        value(c, 'strategy', 'bus_received') > value(down, 'strategy', 'bus_received') &&
        value(c, 'ordermanager', 'mirror_lag') === 0 &&
        value(c, 'ordermanager', 'mirror_published') === value(c, 'ordermanager', 'fills'),
      'all four reconnected, market data flowing again, the stream holding every fill of the trade log (lag 0)',
    );
    assert.ok(value(back, 'ordermanager', 'mirror_resyncs') >= 1, 'the mirror synchronised with the stream');
    assert.equal(value(back, 'ordermanager', 'mirror_fills'), value(back, 'ordermanager', 'fills'), 'every fill of this run handed to the mirror');

    // the same figures on /metrics, with the registry's names
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    assert.ok(sampleOf(text, 'ipc_trading_bus_published_total', 'gateway') > 0, 'bus_published on /metrics');
    assert.ok(sampleOf(text, 'ipc_trading_bus_skipped_total', 'gateway') > 0, 'bus_skipped on /metrics');
    assert.ok(sampleOf(text, 'ipc_trading_bus_received_total', 'strategy') > 0, 'bus_received on /metrics');
    assert.ok(sampleOf(text, 'ipc_trading_bus_reconnects_total', 'ordermanager') >= 1, 'bus_reconnects on /metrics');
    assert.ok(sampleOf(text, 'ipc_trading_mirror_published_total', 'ordermanager') > 0, 'mirror_published on /metrics');
    assert.match(text, /^# HELP ipc_trading_mirror_lag .+$/m);
    assert.ok(!Number.isNaN(sampleOf(text, 'ipc_trading_mirror_lag', 'ordermanager')), 'mirror_lag on /metrics');

    assert.equal(await stopChild(run), 0, output.slice(-3000));
    // the fills the mirror had published are the trade log's (it may have grown since)
    const fills = existsSync(tradeLog) ? readTradeLog(tradeLog).fills.length : 0;
    const mirrored = value(back, 'ordermanager', 'mirror_published');
    assert.ok(mirrored > 0 && mirrored <= fills, `mirror_published ${mirrored}, trade log ${fills}`);
    t.diagnostic(
      `gateway published ${value(back, 'gateway', 'bus_published')}, skipped ${value(back, 'gateway', 'bus_skipped')} while down; ` +
        `mirror published ${mirrored} of ${fills} fills, ${value(back, 'ordermanager', 'mirror_resyncs')} resyncs, ${value(back, 'ordermanager', 'mirror_failures')} failures`,
    );
  } finally {
    await server?.stop();
  }
});
