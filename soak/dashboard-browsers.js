/* global document, setTimeout, fetch, URL -- Node 20 globals, and the page's document inside page.evaluate */
// Ten browsers on the dashboard for 60 s, against a real `trading run`: the CPU and resident
// memory of the process that serves it (the supervisor), first with no browser for 15 s,
// then with ten pages open; and that every page kept getting frames. Then the same number of
// bare WebSocket clients that ack every frame at once (no rendering: the server at its full
// frame rate, whatever the machine's browsers manage). Prints one JSON line.
//   node soak/dashboard-browsers.js [--browsers 10] [--seconds 60] [--raw-seconds 30] [--chromium /usr/bin/chromium]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import puppeteer from 'puppeteer-core';
import WebSocket from 'ws';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    browsers: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '60' },
    'raw-seconds': { type: 'string', default: '30' },
    chromium: { type: 'string', default: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' },
  },
});
if (!existsSync(values.chromium)) {
  console.log(`dashboard-browsers: skipped, no chromium at ${values.chromium}`);
  process.exit(0);
}
const browsers = Number(values.browsers);
const seconds = Number(values.seconds);
const TICKS_PER_S = 100; // clock ticks of /proc/PID/stat (getconf CLK_TCK on Linux)

/** CPU seconds and RSS (MB) of a process from /proc. */
function usage(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuS = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
  const rssMb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  return { cpuS, rssMb };
}

/** Average CPU % and the largest RSS over `durationS`, sampled every second. */
async function measure(pid, durationS) {
  const start = usage(pid);
  const startMs = Date.now();
  let maxRssMb = start.rssMb;
  for (let i = 0; i < durationS; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    maxRssMb = Math.max(maxRssMb, usage(pid).rssMb);
  }
  const end = usage(pid);
  return { cpuPercent: Math.round(((end.cpuS - start.cpuS) * 100_000) / (Date.now() - startMs)) / 10, maxRssMb: Math.round(maxRssMb), endRssMb: Math.round(end.rssMb) };
}

const dir = mkdtempSync(join(tmpdir(), 'ipct-soak-dash-'));
const run = spawn(
  process.execPath,
  [join(root, 'dist', 'src', 'cli.js'), 'run', '--gateway-port', '0', '--order-manager-port', '0', '--dashboard-port', '0',
    '--shm', `/ipct-soak-dash-${process.pid}`, '--trade-log', join(dir, 'trades.log'), '--duration', String(seconds + 90)],
  { stdio: ['ignore', 'pipe', 'pipe'] },
);
let output = '';
run.stdout.on('data', (chunk) => (output += chunk));
run.stderr.on('data', (chunk) => (output += chunk));

let browser;
let failed = false;
try {
  const deadline = Date.now() + 60_000;
  let url;
  while ((url = /dashboard="?(http:\/\/[^\s"]+)/.exec(output)?.[1]) === undefined) {
    if (Date.now() > deadline || run.exitCode !== null) throw new Error(`no dashboard URL:\n${output.slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const idle = await measure(run.pid, 15);
  browser = await puppeteer.launch({ executablePath: values.chromium, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  const pages = [];
  for (let i = 0; i < browsers; i++) {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    await page.goto(url, { waitUntil: 'load' });
    pages.push(page);
  }
  const framesBefore = await Promise.all(pages.map((page) => page.evaluate(() => Number(document.body.dataset.frames ?? 0))));
  const loaded = await measure(run.pid, seconds);
  const framesAfter = await Promise.all(pages.map((page) => page.evaluate(() => Number(document.body.dataset.frames ?? 0))));
  const perPage = framesAfter.map((after, i) => Math.round(((after - framesBefore[i]) / seconds) * 10) / 10);
  const state = await (await fetch(new URL('state.json', url))).json();
  await browser.close();
  browser = undefined;

  const rawSeconds = Number(values['raw-seconds']);
  const sockets = [];
  let rawFrames = 0;
  for (let i = 0; i < browsers; i++) {
    const socket = new WebSocket(new URL('ws', url).href.replace(/^http/, 'ws'));
    socket.on('message', () => {
      rawFrames += 1;
      socket.send('{"ack":1}');
    });
    sockets.push(socket);
  }
  const raw = await measure(run.pid, rawSeconds);
  for (const socket of sockets) socket.close();
  const result = {
    soak: 'dashboard-browsers',
    browsers,
    seconds,
    supervisorIdle: idle,
    supervisorWithBrowsers: loaded,
    framesPerSecondPerPage: { min: Math.min(...perPage), max: Math.max(...perPage) },
    server: state.server,
    bareClients: { clients: browsers, seconds: rawSeconds, supervisor: raw, framesPerSecondPerClient: Math.round((rawFrames / browsers / rawSeconds) * 10) / 10 },
    tickToTrade: state.latency?.find((l) => l.name === 'tick_to_trade') ?? null,
  };
  console.log(JSON.stringify(result));
  if (Math.min(...perPage) < 1) {
    console.error('dashboard-browsers: a page stopped getting frames');
    failed = true;
  }
} catch (err) {
  console.error(`dashboard-browsers: ${err.stack ?? err}`);
  failed = true;
} finally {
  await browser?.close();
  run.kill('SIGINT');
  await new Promise((resolve) => (run.exitCode !== null ? resolve() : run.once('exit', resolve)));
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
