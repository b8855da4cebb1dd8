/**
 * `GET /metrics` on 127.0.0.1: the Prometheus exposition of the counters segments that
 * `collect()` reads at each scrape. Used by `trading run --metrics-port` (all four
 * components) and by each component started alone with `--metrics-port`.
 *
 * A port that cannot be bound is not fatal to the caller's trading (withMetricsServer and
 * the supervisor log it and go on): observability never stops the system.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode, TradingError } from '../core/errors.js';
import type { LogFields, Logger } from '../core/log.js';
import type { Component } from '../core/runtime.js';
import { readSystemCounters, type ComponentSnapshot } from './counters-reader.js';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from './prometheus.js';

/** The port `trading run` serves /metrics on unless told otherwise (the usual exporter range). */
export const DEFAULT_METRICS_PORT = 9464;

export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Serve /metrics; rejects with E_PORT_IN_USE when the port is taken. */
export async function startMetricsServer(options: { port: number; host?: string; collect: () => ComponentSnapshot[] }): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('only /metrics is served here\n');
      return;
    }
    renderPrometheus(options.collect()).then(
      (text) => response.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE }).end(request.method === 'HEAD' ? undefined : text),
      (err: unknown) => response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`${String(err)}\n`),
    );
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE' ? new TradingError(ErrorCode.PORT_IN_USE, `metrics port ${options.port} is in use on ${host}`) : err);
    });
    server.listen(options.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A component that also serves its own counters segment at /metrics (a component started
 * alone with --metrics-port; -1 = none). The bound port joins its ready details.
 */
export function withMetricsServer(inner: Component, options: { port: number; shm: string; component: string; log: Logger }): Component {
  if (options.port < 0) return inner;
  let server: MetricsServer | undefined;
  return {
    async start(): Promise<LogFields> {
      const details = await inner.start();
      try {
        server = await startMetricsServer({ port: options.port, collect: () => readSystemCounters(options.shm, [options.component]) });
        return { ...details, metricsPort: server.port };
      } catch (err) {
        options.log.warn('/metrics not served', { error: err instanceof Error ? err.message : String(err) });
        return details;
      }
    },
    async stop(): Promise<void> {
      await server?.close();
      await inner.stop();
    },
  };
}

/** The option every component command takes. */
export const metricsPortField = {
  kind: 'integer',
  default: -1,
  min: -1,
  max: 65535,
  description: 'serve Prometheus /metrics on 127.0.0.1 at this port (0 = any free port, -1 = none)',
} as const;
