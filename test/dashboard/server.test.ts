/**
 * `trading dashboard` alone, as a process: loopback needs no token but refuses foreign
 * Host and Origin headers; bound beyond loopback it prints a token and requires it; a
 * page that reconnects with its cursor gets only what it missed; browsers beyond the cap
 * are refused with E_DASHBOARD_FULL.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createLogger } from '../../src/core/log.js';
import { startDashboard } from '../../src/dashboard/dashboard-server.js';
import type { FrameMessage } from '../../src/dashboard/wire.js';
import { cleanupAll, spawnCli, stopChild, tempDir, uniqueShmName, waitForOutput } from '../helpers/resources.js';

after(cleanupAll);

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Frames received and not yet taken by nextFrame, per socket (a frame can come with the upgrade). */
const inbox = new WeakMap<WebSocket, { frames: FrameMessage[]; waiting: ((frame: FrameMessage) => void) | undefined }>();

/** Opens a socket; resolves with the HTTP status of a refused upgrade, or the open socket. */
function openSocket(url: string, headers: Record<string, string> = {}): Promise<{ status: number; socket?: WebSocket }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    const box: { frames: FrameMessage[]; waiting: ((frame: FrameMessage) => void) | undefined } = { frames: [], waiting: undefined };
    inbox.set(socket, box);
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as FrameMessage;
      const waiting = box.waiting;
      box.waiting = undefined;
      if (waiting !== undefined) waiting(frame);
      else box.frames.push(frame);
    });
    socket.once('open', () => resolve({ status: 101, socket }));
    socket.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      socket.terminate();
    });
    socket.once('error', (err) => reject(err));
  });
}

function nextFrame(socket: WebSocket): Promise<FrameMessage> {
  const box = inbox.get(socket);
  if (box === undefined) throw new Error('not a socket from openSocket');
  return new Promise((resolve) => {
    const take = (frame: FrameMessage): void => {
      socket.send('{"ack":1}');
      resolve(frame);
    };
    const queued = box.frames.shift();
    if (queued !== undefined) take(queued);
    else box.waiting = take;
  });
}

function fillLine(n: number, symbol: string, side: 'BUY' | 'SELL', quantity: number, price: number): string {
  return `{"execution_id":"E${n}","order_id":"o-${n}","symbol":"${symbol}","side":"${side}","quantity":${quantity},"order_price":${price},"execution_price":${price},"timestamp":${Date.now() / 1000},"status":"FILLED"}\n`;
}

test('trading dashboard on loopback: no token, but foreign Host and Origin are refused', { timeout: 30_000 }, async () => {
  const dir = tempDir('dash-loop');
  const child = spawnCli(['dashboard', '--port', '0', '--shm', uniqueShmName('dash'), '--trade-log', join(dir, 'trades.log'), '--gateway', '127.0.0.1:1']);
  const ready = await waitForOutput(child, /ready/, 15_000);
  const url = /url="?(http:\/\/[^\s"]+)/.exec(ready)?.[1] ?? '';
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const page = await get(url);
  assert.equal(page.status, 200);
  assert.match(page.body, /TradingView Lightweight Charts/);
  assert.equal((await get(`${url}app.js`)).status, 200);
  assert.match((await get(`${url}licenses.txt`)).body, /Apache License/);
  assert.equal((await get(url, { Host: 'attacker.example:80' })).status, 403, 'DNS rebinding: a foreign Host is refused');
  const wsUrl = url.replace('http', 'ws') + 'ws';
  assert.equal((await openSocket(wsUrl, { Origin: 'http://attacker.example' })).status, 403, 'another site cannot read the stream');
  const own = await openSocket(wsUrl, { Origin: url.replace(/\/$/, '') });
  assert.equal(own.status, 101);
  const frame = await nextFrame(own.socket as WebSocket);
  assert.equal(frame.type, 'frame');
  assert.equal(frame.reset, true);
  own.socket?.close();
  assert.equal(await stopChild(child), 0);
});

test('trading dashboard beyond loopback prints a token and requires it', { timeout: 30_000 }, async () => {
  const dir = tempDir('dash-token');
  const child = spawnCli(['dashboard', '--host', '0.0.0.0', '--port', '0', '--shm', uniqueShmName('dash'), '--trade-log', join(dir, 'trades.log'), '--gateway', '127.0.0.1:1']);
  const ready = await waitForOutput(child, /ready/, 15_000);
  const url = /url="?(http:\/\/[^\s"]+)/.exec(ready)?.[1] ?? '';
  const token = new URL(url).searchParams.get('token') ?? '';
  assert.ok(token.length >= 32, `a token in ${ready}`);
  const port = new URL(url).port;
  const base = `http://127.0.0.1:${port}/`;
  const refused = await get(base);
  assert.equal(refused.status, 401);
  assert.match(refused.body, /E_DASHBOARD_UNAUTHORIZED/);
  assert.equal((await get(`${base}?token=wrong`)).status, 401);
  assert.equal((await get(`${base}?token=${token}`)).status, 200);
  assert.equal((await get(`${base}state.json`)).status, 401);
  assert.equal((await openSocket(`ws://127.0.0.1:${port}/ws`)).status, 401);
  const opened = await openSocket(`ws://127.0.0.1:${port}/ws?token=${token}`);
  assert.equal(opened.status, 101);
  opened.socket?.close();
  assert.equal(await stopChild(child), 0);
});

test('frames: a reconnecting page gets only what it missed, a silent one is skipped, the cap refuses more', { timeout: 30_000 }, async () => {
  const dir = tempDir('dash-frames');
  const tradeLog = join(dir, 'trades.log');
  writeFileSync(tradeLog, fillLine(1, 'AAPL', 'BUY', 100, 190));
  const dashboard = await startDashboard({
    host: '127.0.0.1',
    port: 0,
    shm: uniqueShmName('dash'),
    tradeLog,
    sampleIntervalMs: 20,
    frameIntervalMs: 20,
    maxClients: 2,
    log: createLogger('dashboard-test'),
  });
  try {
    const wsUrl = `ws://127.0.0.1:${dashboard.port}/ws`;
    const first = (await openSocket(wsUrl)).socket as WebSocket;
    const frame = await nextFrame(first);
    assert.equal(frame.reset, true);
    assert.deepEqual(frame.fills.map((f) => f.executionId), ['E1']);
    assert.deepEqual(frame.state.positions.map((p) => [p.symbol, p.quantity]), [['AAPL', 100]]);
    first.close();
    await new Promise((resolve) => first.once('close', resolve));

    // while it is away, two more fills
    appendFileSync(tradeLog, fillLine(2, 'AAPL', 'SELL', 40, 191) + fillLine(3, 'MSFT', 'SELL', 10, 420));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const back = (await openSocket(`${wsUrl}?instance=${frame.instance}&cursor=${frame.cursor}`)).socket as WebSocket;
    const caughtUp = await nextFrame(back);
    assert.equal(caughtUp.reset, false);
    assert.deepEqual(caughtUp.fills.map((f) => f.executionId), ['E2', 'E3'], 'only the fills it missed');
    assert.deepEqual(caughtUp.state.positions.map((p) => [p.symbol, p.quantity, p.realized]), [['AAPL', 60, 40], ['MSFT', -10, 0]]);

    // a page that does not ack gets at most two frames, however long it stays
    const silent = (await openSocket(wsUrl)).socket as WebSocket;
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(inbox.get(silent)?.frames.length, 2);
    assert.ok(dashboard.counters.framesSkipped > 0);

    // the cap: two browsers are connected, a third is refused
    assert.equal((await openSocket(wsUrl)).status, 503);
    back.close();
    silent.close();
  } finally {
    await dashboard.close();
  }
});
