/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The dashboard in a real browser, against a real `trading run`: the page loads without a
 * console error, every symbol gets chart points and a full ladder within 10 s, the
 * positions it shows are those of the trade log, and it keeps updating after the supervisor
 * restarts an order manager killed with SIGKILL.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'puppeteer-core';
import { browserMissing, collectPageErrors, launchBrowser } from '../helpers/browser.js';
import { cleanupAll, spawnCli, tempDir, uniqueShmName, waitForExit, waitForOutput } from '../helpers/resources.js';

const missing = browserMissing();
const SYMBOLS = ['AAPL', 'GOOGL', 'MSFT', 'AMZN', 'TSLA'];

let run: ChildProcess | undefined;
let output = '';
let browser: Browser | undefined;
let tradeLog = '';
let url = '';

before(async () => {
  if (missing !== undefined) return;
  const dir = tempDir('dashboard');
  tradeLog = join(dir, 'trades.log');
  run = spawnCli([
    'run', '--gateway-port', '0', '--order-manager-port', '0', '--dashboard-port', '0',
    '--shm', uniqueShmName('dashboard'), '--trade-log', tradeLog, '--duration', '240',
  ]);
  run.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  run.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const ready = await waitForOutput(run, /system ready/, 30_000);
  url = /dashboard="?(http:\/\/[^\s"]+)/.exec(ready)?.[1] ?? '';
  assert.notEqual(url, '', `no dashboard URL in the ready line: ${ready}`);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  if (run !== undefined && run.exitCode === null) {
    run.kill('SIGINT');
    await waitForExit(run);
  }
  await cleanupAll();
});

/** Net position per symbol from the first `count` fills of the trade log (zeros left out). */
function positionsFromLog(count: number): Record<string, number> {
  const lines = readFileSync(tradeLog, 'utf8').split('\n').filter((line) => line.trim() !== '');
  assert.ok(lines.length >= count, `the trade log has ${lines.length} fills, the page showed ${count}`);
  const positions: Record<string, number> = {};
  for (const line of lines.slice(0, count)) {
    const fill = JSON.parse(line) as { symbol: string; side: string; quantity: number };
    positions[fill.symbol] = (positions[fill.symbol] ?? 0) + (fill.side === 'BUY' ? fill.quantity : -fill.quantity);
  }
  for (const symbol of Object.keys(positions)) if (positions[symbol] === 0) delete positions[symbol];
  return positions;
}

/** The fills count and the positions the page shows, read in one go (one drawn state). */
function pagePositions(page: Page): Promise<{ fills: number; positions: Record<string, number> }> {
  return page.evaluate(() => {
    const positions: Record<string, number> = {};
    for (const row of document.querySelectorAll<HTMLElement>('#positions-body tr')) {
      const quantity = Number(row.dataset['quantity']);
      if (quantity !== 0) positions[row.dataset['symbol'] ?? ''] = quantity;
    }
    return { fills: Number(document.getElementById('trade-log-fills')?.dataset['fills'] ?? 0), positions };
  });
}

function frames(page: Page): Promise<number> {
  return page.evaluate(() => Number(document.body.dataset['frames'] ?? 0));
}

test('the dashboard in a browser: charts, ladders, positions, and a restarted order manager', { skip: missing, timeout: 150_000 }, async (t) => {
  assert.ok(browser !== undefined);
  const page = await browser.newPage();
  const errors = collectPageErrors(page);
  await page.setViewport({ width: 1280, height: 900 });

  await t.test('loads with no console error, and within 10 s every symbol has chart points and a full ladder', async () => {
    const loadedMs = Date.now();
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForFunction(
      (symbols: string[]) =>
        symbols.every((symbol) => {
          const card = document.querySelector<HTMLElement>(`section.symbol[data-symbol="${symbol}"]`);
          const ladder = card?.querySelector<HTMLElement>('table.ladder tbody');
          return card !== null && card !== undefined && Number(card.dataset['points']) > 0 && ladder?.dataset['bids'] === '10' && ladder.dataset['asks'] === '10';
        }),
      { timeout: 10_000, polling: 100 },
      SYMBOLS,
    );
    t.diagnostic(`charts and ladders complete ${Date.now() - loadedMs} ms after navigation`);
    const rows = await page.$$eval('section.symbol table.ladder tbody tr', (trs) => trs.length);
    assert.equal(rows, SYMBOLS.length * 20);
    assert.deepEqual(errors, []);
  });

  await t.test('the positions on the page are those of the trade log', async () => {
    // the default strategy needs about 10 s of prices before its first order
    await page.waitForFunction(() => Number(document.getElementById('trade-log-fills')?.dataset['fills'] ?? 0) >= 3, { timeout: 60_000, polling: 200 });
    const shown = await pagePositions(page);
    assert.deepEqual(shown.positions, positionsFromLog(shown.fills));
    assert.ok(Object.keys(shown.positions).length > 0, 'some position is open');
    const markers = await page.$$eval('section.symbol', (cards) => cards.reduce((sum, card) => sum + Number((card as HTMLElement).dataset['markers'] ?? 0), 0));
    assert.ok(markers > 0, 'fills are drawn as markers on the charts');
    const news = await page.$$eval('#news-list li', (items) => items.length);
    assert.ok(news > 0, 'the gateway\'s news is on the page');
    // every order of a healthy run is answered
    assert.equal(await page.$eval('#unknown-orders', (span) => span.textContent), 'none');
  });

  await t.test('after the supervisor restarts a SIGKILLed order manager the page keeps updating', async () => {
    const pid = await page.$eval('#health-body tr[data-component="ordermanager"]', (row) => Number((row as HTMLElement).dataset['pid']));
    assert.ok(pid > 0, 'the page shows the order manager pid');
    process.kill(pid, 'SIGKILL');
    await page.waitForFunction(
      (oldPid: number) => {
        const row = document.querySelector<HTMLElement>('#health-body tr[data-component="ordermanager"]');
        return row !== null && row.dataset['status'] === 'up' && Number(row.dataset['pid']) !== oldPid && Number(row.dataset['pid']) > 0;
      },
      { timeout: 30_000, polling: 100 },
      pid,
    );
    const restarts = await page.$eval('#health-body tr[data-component="ordermanager"] td:nth-child(4)', (cell) => cell.textContent);
    assert.equal(restarts, '1');
    const before = await frames(page);
    const pointsBefore = await page.$eval('section.symbol[data-symbol="AAPL"]', (card) => Number((card as HTMLElement).dataset['points']));
    await page.waitForFunction(
      (framesBefore: number, points: number) =>
        Number(document.body.dataset['frames']) > framesBefore + 10 &&
        Number(document.querySelector<HTMLElement>('section.symbol[data-symbol="AAPL"]')?.dataset['points']) > points,
      { timeout: 10_000, polling: 100 },
      before,
      pointsBefore,
    );
    const shown = await pagePositions(page);
    assert.deepEqual(shown.positions, positionsFromLog(shown.fills));
    assert.equal(await page.evaluate(() => document.body.dataset['connection']), 'live');
    assert.deepEqual(errors, []);
  });
  await t.test('usable at phone width: nothing wider than the screen', async () => {
    await page.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true });
    await page.waitForFunction(() => document.documentElement.scrollWidth <= window.innerWidth, { timeout: 5_000 });
    assert.deepEqual(errors, []);
  });
  await page.close();
});
