/**
 * The dashboard: an HTTP server for the page's files and a WebSocket (`/ws`) for its
 * frames, over a DashboardModel sampled on its own timer. Everything here runs on timers
 * and sockets of its own: the trading processes never wait for it (it reads the shared book
 * like any reader, the trade log from disk, the news as one more gateway client).
 *
 * Routes: `/` (the page), `/app.js`, `/app.css`, `/licenses.txt`, `/state.json` (the
 * current state, for scripts), `/ws`. With a token, `/`, `/state.json` and `/ws` need
 * `?token=`; the page passes on the one in its own address.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { ErrorCode, TradingError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { accessPolicy, checkAccess, type AccessPolicy } from './access.js';
import { loadAssets, type Asset } from './assets.js';
import { Broadcaster, type BroadcasterCounters } from './broadcaster.js';
import { DashboardModel, type DashboardModelOptions } from './dashboard-model.js';
import { MAX_PAGE_MESSAGE_BYTES } from './wire.js';

export const DEFAULT_SAMPLE_INTERVAL_MS = 100;

const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

/** The model's options (what is shown, from where), and the server's own. */
export interface DashboardOptions extends DashboardModelOptions {
  host: string;
  /** 0 = any free port. */
  port: number;
  /** Required token; when undefined, one is generated if host is not loopback. */
  token?: string;
  sampleIntervalMs?: number;
  frameIntervalMs?: number;
  maxClients?: number;
  assetsDir?: string;
  log: Logger;
}

export interface RunningDashboard {
  /** The address to open (with ?token= when one is required). */
  readonly url: string;
  readonly port: number;
  readonly token: string | undefined;
  readonly counters: BroadcasterCounters;
  readonly model: DashboardModel;
  close(): Promise<void>;
}

function send(response: ServerResponse, status: number, type: string, body: string | Buffer): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}

function refuse(response: ServerResponse, verdict: string): void {
  const text = `${ErrorCode.DASHBOARD_UNAUTHORIZED}: ${verdict === 'bad-token' ? 'this dashboard needs its token: open the address it printed at start (…/?token=…)' : 'request refused (' + verdict + ')'}\n`;
  send(response, verdict === 'bad-token' ? 401 : 403, 'text/plain; charset=utf-8', text);
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      reject(
        err.code === 'EADDRINUSE'
          ? new TradingError(ErrorCode.PORT_IN_USE, `dashboard port ${host}:${port} is in use: pick another with --dashboard-port (0 = any free port)`)
          : err,
      );
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

export async function startDashboard(options: DashboardOptions): Promise<RunningDashboard> {
  const { log } = options;
  const assets = loadAssets(options.assetsDir);
  const policy: AccessPolicy = accessPolicy(options.host, options.token);
  const model = new DashboardModel({
    shm: options.shm,
    tradeLog: options.tradeLog,
    symbols: options.symbols,
    gateway: options.gateway,
    health: options.health,
    history: options.history,
    log,
  });
  const broadcaster = new Broadcaster({ model, log, intervalMs: options.frameIntervalMs, maxClients: options.maxClients });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAGE_MESSAGE_BYTES, perMessageDeflate: false });

  const server = createServer((request, response) => handle(request, response));
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => upgrade(request, socket, head));

  function query(request: IncomingMessage): URL {
    return new URL(request.url ?? '/', 'http://dashboard.invalid');
  }

  function handle(request: IncomingMessage, response: ServerResponse): void {
    const url = query(request);
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, 'text/plain; charset=utf-8', 'only GET\n');
    const path = url.pathname === '/' ? '/index.html' : url.pathname;
    const asset: Asset | undefined = assets.get(path);
    const guarded = path === '/index.html' || path === '/state.json';
    const verdict = checkAccess(policy, { host: request.headers.host, origin: undefined, token: guarded ? url.searchParams.get('token') : null }, false);
    if (verdict !== 'ok' && (guarded || verdict !== 'bad-token')) return refuse(response, verdict);
    if (path === '/state.json') return send(response, 200, 'application/json', JSON.stringify(model.state));
    if (asset === undefined) return send(response, 404, 'text/plain; charset=utf-8', 'not found\n');
    send(response, 200, asset.type, asset.body);
  }

  function upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = query(request);
    const reject = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${status === 503 ? 'Service Unavailable' : status === 401 ? 'Unauthorized' : 'Forbidden'}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${text}\n`);
    };
    if (url.pathname !== '/ws') return reject(403, 'no such socket');
    const origin = request.headers.origin;
    const verdict = checkAccess(policy, { host: request.headers.host, origin, token: url.searchParams.get('token') }, true);
    if (verdict !== 'ok') {
      log.warn('browser refused', { reason: verdict, code: ErrorCode.DASHBOARD_UNAUTHORIZED });
      return reject(verdict === 'bad-token' ? 401 : 403, `${ErrorCode.DASHBOARD_UNAUTHORIZED}: ${verdict}`);
    }
    if (broadcaster.full) {
      broadcaster.counters.clientsRefused += 1;
      if (broadcaster.counters.clientsRefused === 1) log.warn('too many browsers: refusing more', { max: broadcaster.maxClients, code: ErrorCode.DASHBOARD_FULL });
      return reject(503, `${ErrorCode.DASHBOARD_FULL}: at most ${broadcaster.maxClients} browsers at once`);
    }
    const cursor = Number(url.searchParams.get('cursor') ?? '0');
    const instance = url.searchParams.get('instance') ?? '';
    wss.handleUpgrade(request, socket, head, (ws) => broadcaster.add(ws, Number.isSafeInteger(cursor) && cursor > 0 ? cursor : 0, instance));
  }

  let port: number;
  try {
    port = await listen(server, options.host, options.port);
  } catch (err) {
    await model.close();
    throw err;
  }
  model.sample();
  const sampler = setInterval(() => model.sample(), options.sampleIntervalMs ?? DEFAULT_SAMPLE_INTERVAL_MS);
  sampler.unref();
  broadcaster.start();
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${shownHost}:${port}/${policy.token !== undefined ? `?token=${encodeURIComponent(policy.token)}` : ''}`;

  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    token: policy.token,
    counters: broadcaster.counters,
    model,
    close(): Promise<void> {
      closed ??= (async () => {
        clearInterval(sampler);
        broadcaster.stop();
        wss.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await model.close();
      })();
      return closed;
    },
  };
}
