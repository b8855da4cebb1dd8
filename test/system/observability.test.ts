/**
 * Observability from outside the processes: `trading stat` and Prometheus `/metrics` read the
 * counters segments of a running system; totals survive a SIGKILLed order manager.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StatJson } from '../../src/stat/stat-format.js';
import type { RunSummary } from '../../src/supervisor/summary.js';
import { readStat, runCli } from '../helpers/cli.js';
import { PROMTOOL, findTool, toolSkip } from '../helpers/tools.js';
import { cleanupAll, collectOutput, spawnCli, stopChild, tempDir, uniqueShmName, waitForExit, waitForOutput } from '../helpers/resources.js';

after(cleanupAll);

const PROMTOOL_PATH = findTool(PROMTOOL);

function counterOf(json: StatJson, component: string, name: string): number {
  return json.components.find((c) => c.component === component)?.counters[name] ?? Number.NaN;
}

async function scrape(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return response.text();
}

function sampleOf(text: string, name: string, component: string): number {
  const match = new RegExp(`^${name}\\{component="${component}"\\} (\\S+)$`, 'm').exec(text);
  return match === null ? Number.NaN : Number(match[1]);
}

function fillLines(tradeLog: string): number {
  if (!existsSync(tradeLog)) return 0;
  return readFileSync(tradeLog, 'utf8')
    .split('\n')
    .filter((line) => line.includes('"execution_id"')).length;
}

function promtoolCheck(text: string): { status: number | null; output: string } {
  const result = spawnSync(PROMTOOL_PATH ?? PROMTOOL.name, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

test(
  'trading run: stat lists four components and agrees with the order manager; /metrics passes promtool; fills never go back across a SIGKILL',
  { timeout: 120_000 },
  async (t) => {
    const dir = tempDir('observability');
    const shm = uniqueShmName('observability');
    const tradeLog = join(dir, 'trades.log');
    const summaryFile = join(dir, 'summary.json');
    const run = spawnCli([
      'run', '--gateway-port', '0', '--order-manager-port', '0', '--metrics-port', '0',
      '--shm', shm, '--trade-log', tradeLog, '--summary', summaryFile,
    ]);
    const output = collectOutput(run);
    const ready = await waitForOutput(run, /system ready/, 30_000);
    const metricsPort = Number(/metricsPort=(\d+)/.exec(ready)?.[1]);
    assert.ok(metricsPort > 0, `the ready line carries the metrics port: ${ready}`);
    const pid = (component: string): number => {
      const all = [...output().matchAll(new RegExp(`component ready component=${component} pid=(\\d+)`, 'g'))];
      return Number(all.at(-1)?.[1]);
    };

    // /metrics, scraped every 100 ms for the whole run: the fills total must never go back
    const fillsSeen: number[] = [];
    let scraping = true;
    const scraper = (async () => {
      while (scraping) {
        try {
          const value = sampleOf(await scrape(metricsPort), 'ipc_trading_fills_total', 'ordermanager');
          if (!Number.isNaN(value)) fillsSeen.push(value);
        } catch {
          // the server is gone once the run stops
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();

    // another process reads the counters while the system runs, and sees them move
    const first = await readStat(shm);
    assert.deepEqual(first.components.map((c) => c.component), ['gateway', 'orderbook', 'ordermanager', 'strategy']);
    assert.ok(first.components.every((c) => c.alive), JSON.stringify(first.components.map((c) => [c.component, c.state])));
    const deadline = Date.now() + 30_000;
    let fills = 0;
    while (fills < 1 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      fills = fillsSeen.at(-1) ?? 0;
    }
    assert.ok(fills >= 1, 'the strategy traded');
    const second = await readStat(shm);
    assert.ok(counterOf(second, 'gateway', 'market_data_sent') > counterOf(first, 'gateway', 'market_data_sent'), 'market data counters moved');
    assert.ok(counterOf(second, 'strategy', 'ticks') > counterOf(first, 'strategy', 'ticks'), 'the strategy counted ticks');

    const text = await scrape(metricsPort);
    assert.match(text, /^# TYPE ipc_trading_orders_total counter$/m);
    assert.match(text, /^# TYPE ipc_trading_tick_to_trade_seconds histogram$/m);
    assert.match(text, /^ipc_trading_tick_to_trade_seconds_bucket\{component="ordermanager",le="\+Inf"\} \d+$/m);
    assert.match(text, /^ipc_trading_component_up\{component="strategy"\} 1$/m);
    await t.test('its /metrics text passes promtool check metrics', { skip: toolSkip(PROMTOOL) }, () => {
      const check = promtoolCheck(text);
      assert.equal(check.status, 0, `promtool check metrics:\n${check.output}`);
    });

    // SIGKILL the order manager: restarted, and its fills total continues
    const victim = pid('ordermanager');
    const fillsBeforeKill = fillsSeen.at(-1) ?? 0;
    process.kill(victim, 'SIGKILL');
    await waitForOutput(run, /component ready component=ordermanager/, 30_000);
    assert.notEqual(pid('ordermanager'), victim);
    const seenBefore = fillsSeen.length;
    while (fillsSeen.length < seenBefore + 10) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok((fillsSeen.at(-1) ?? 0) >= fillsBeforeKill);

    // with the strategy paused no order moves: stat's order count is the order manager's
    process.kill(pid('strategy'), 'SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const paused = await readStat(shm);
    assert.deepEqual(paused.components.map((c) => c.component), ['gateway', 'orderbook', 'ordermanager', 'strategy']);
    assert.equal(paused.components.find((c) => c.component === 'ordermanager')?.starts, 2, 'the restarted order manager continued the counters');
    const ordersInStat = counterOf(paused, 'ordermanager', 'orders');

    run.kill('SIGTERM'); // the paused strategy does not answer its stop: killed after the stop timeout
    assert.equal(await waitForExit(run), 0, output());
    scraping = false;
    await scraper;
    const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as RunSummary;
    assert.equal(summary.trading.orders, ordersInStat, 'stat --json showed the order manager\'s order count');
    assert.equal(summary.trading.fills, fillLines(tradeLog), 'the summary\'s fills are the trade log\'s');
    assert.equal(summary.components['ordermanager']?.restarts, 1);
    for (let i = 1; i < fillsSeen.length; i++) {
      assert.ok((fillsSeen[i] ?? 0) >= (fillsSeen[i - 1] ?? 0), `fills went back on /metrics: ${fillsSeen.slice(Math.max(0, i - 3), i + 3).join(', ')}`);
    }
    t.diagnostic(`orders ${ordersInStat}, fills ${summary.trading.fills}, ${fillsSeen.length} scrapes, fills before the kill ${fillsBeforeKill}`);
    for (const component of ['gateway', 'orderbook', 'ordermanager', 'strategy']) {
      assert.equal(existsSync(`/dev/shm${shm}.metrics.${component}`), false, `${component}'s counters removed`);
    }
    assert.match(output(), /tick-to-trade/);
  },
);

test('a component started alone (logging JSON): trading stat and its own /metrics find it by its --shm', { timeout: 30_000 }, async () => {
  const shm = uniqueShmName('alone');
  const gateway = spawnCli(['--log-format', 'json', 'gateway', '--port', '0', '--shm', shm, '--metrics-port', '0', '--rate', '100']);
  const output = collectOutput(gateway);
  const readyLine = await waitForOutput(gateway, /"message":"ready"/, 15_000);
  const ready = JSON.parse(readyLine) as { time: string; level: string; component: string; message: string; fields: Record<string, unknown> };
  assert.equal(ready.level, 'info');
  assert.equal(ready.component, 'gateway');
  assert.ok(!Number.isNaN(Date.parse(ready.time)));
  const metricsPort = Number(ready.fields['metricsPort']);
  assert.ok(metricsPort > 0, readyLine);
  // ready means its counters segment and its /metrics are up: no wait needed before reading them
  const json = await readStat(shm);
  assert.deepEqual(json.components.map((c) => c.component), ['gateway']);
  const text = await scrape(metricsPort);
  assert.match(text, /^ipc_trading_market_data_sent_total\{component="gateway"\} \d+$/m);
  assert.equal(await stopChild(gateway), 0);
  for (const line of output().split('\n').filter((l) => l.trim() !== '')) {
    assert.doesNotThrow(() => JSON.parse(line), `every log line is one JSON object: ${line}`);
  }
  assert.equal(existsSync(`/dev/shm${shm}.metrics.gateway`), false, 'removed on stop');
  const missing = await runCli(['stat', '--json', '--shm', shm]);
  assert.equal(missing.code, 1);
  assert.match(missing.output, /E_SHM_NOT_FOUND: no counters segment is named after/);
});
