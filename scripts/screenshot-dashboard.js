/* global document, setTimeout, fetch, URL -- Node 20 globals, and the page's document inside page.waitForFunction */
// Makes the README's dashboard screenshot from a real run: starts `trading run` (ports 0,
// a private shared-memory name and trade log), waits until the strategy has traded, opens
// the dashboard in Debian's chromium (puppeteer-core, no browser download) and saves a PNG.
//   node scripts/screenshot-dashboard.js [--out docs/dashboard.png] [--width 1600] [--height 1300]
//                                        [--fills 12] [--scale 0.8] [--chromium /usr/bin/chromium]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import puppeteer from 'puppeteer-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    out: { type: 'string', default: join(root, 'docs', 'dashboard.png') },
    width: { type: 'string', default: '1600' },
    height: { type: 'string', default: '1300' },
    fills: { type: 'string', default: '12' },
    // pixels per CSS pixel: below 1 keeps the committed PNG small
    scale: { type: 'string', default: '0.8' },
    chromium: { type: 'string', default: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' },
  },
});
if (!existsSync(values.chromium)) {
  console.error(`screenshot-dashboard: no chromium at ${values.chromium} (apt-get install chromium, or --chromium PATH)`);
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'ipct-shot-'));
const run = spawn(
  process.execPath,
  [join(root, 'dist', 'src', 'cli.js'), 'run', '--gateway-port', '0', '--order-manager-port', '0', '--dashboard-port', '0',
    '--shm', `/ipc-trading-shot-${process.pid}`, '--trade-log', join(dir, 'trades.log'), '--duration', '180'],
  { stdio: ['ignore', 'pipe', 'pipe'] },
);
let output = '';
run.stdout.on('data', (chunk) => (output += chunk));
run.stderr.on('data', (chunk) => (output += chunk));

async function until(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline || run.exitCode !== null) throw new Error(`timed out waiting for ${what}\n${output.slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

let browser;
try {
  const url = await until('the dashboard', () => /dashboard="?(http:\/\/[^\s"]+)/.exec(output)?.[1], 60_000);
  const minFills = Number(values.fills);
  await until(`${minFills} fills`, async () => {
    const state = await (await fetch(new URL('state.json', url))).json();
    return state.tradeLog.fills >= minFills;
  }, 120_000);
  browser = await puppeteer.launch({ executablePath: values.chromium, headless: true, args: ['--no-sandbox', '--disable-gpu', '--hide-scrollbars'] });
  const page = await browser.newPage();
  await page.setViewport({ width: Number(values.width), height: Number(values.height), deviceScaleFactor: Number(values.scale) });
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => Number(document.body.dataset.frames ?? 0) > 20, { timeout: 30_000 });
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await page.screenshot({ path: values.out, type: 'png' });
  console.log(`screenshot-dashboard: wrote ${values.out}`);
} finally {
  await browser?.close();
  run.kill('SIGINT');
  await new Promise((resolve) => (run.exitCode !== null ? resolve() : run.once('exit', resolve)));
  rmSync(dir, { recursive: true, force: true });
}
