/**
 * One connection to the NATS servers, kept up for as long as the component runs.
 *
 * - Start: `open()` resolves once connected. A server that is not there yet (refused, timed
 *   out) is retried until it is, or until close(): components start in any order. A server
 *   that refuses our credentials fails the start (E_BUS_AUTH), as does a TLS or protocol
 *   failure (E_BUS_UNAVAILABLE): retrying would not change the answer.
 * - Afterwards the client reconnects by itself, forever (a restarted nats-server, another
 *   server of the list). `connected` and the onDisconnect/onReconnect hooks tell the
 *   component, which marks what it serves stale meanwhile; every change is one log line.
 * - Pings every 2 s, two unanswered and the connection is declared dead: a silent network
 *   is noticed within seconds, not the client's default minutes.
 * - Nothing is buffered for a disconnected connection by our publishers (they check
 *   `connected` and count what they skip), so an outage never grows memory.
 */
import { readFileSync } from 'node:fs';
import {
  AuthorizationError,
  connect,
  nkeyAuthenticator,
  type ConnectionOptions,
  type NatsConnection,
} from '@nats-io/transport-node';
import { ErrorCode, TradingError, describeError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { describeBus, type BusOptions } from './bus-config.js';

export interface BusConnectionHooks {
  onDisconnect?: () => void;
  onReconnect?: () => void;
}

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 1_000;
export const BUS_PING_INTERVAL_MS = 2_000;

export class BusConnection {
  readonly options: BusOptions;
  readonly #log: Logger;
  readonly #hooks: BusConnectionHooks;
  #nc: NatsConnection | undefined;
  #connected = false;
  #closed = false;
  #wakeRetry: () => void = () => undefined;
  #connects = 0;
  #disconnects = 0;

  constructor(options: BusOptions, log: Logger, hooks: BusConnectionHooks = {}) {
    this.options = options;
    this.#log = log;
    this.#hooks = hooks;
  }

  get connected(): boolean {
    return this.#connected;
  }

  /** The NATS connection once open (throws before). */
  get nats(): NatsConnection {
    if (this.#nc === undefined) throw new TradingError(ErrorCode.NOT_CONNECTED, 'bus: not connected yet');
    return this.#nc;
  }

  get counters(): { connects: number; disconnects: number } {
    return { connects: this.#connects, disconnects: this.#disconnects };
  }

  /** Connect, retrying while the server is unreachable; resolves once connected. */
  async open(): Promise<void> {
    const options = this.#connectionOptions();
    let delayMs = RETRY_MIN_MS;
    let warned = false;
    for (;;) {
      if (this.#closed) throw new TradingError(ErrorCode.NOT_CONNECTED, 'bus: closed before it connected');
      try {
        const nc = await connect(options);
        if (this.#closed) {
          await nc.close();
          throw new TradingError(ErrorCode.NOT_CONNECTED, 'bus: closed before it connected');
        }
        this.#nc = nc;
        this.#connected = true;
        this.#connects++;
        this.#log.info('bus connected', { ...describeBus(this.options), server: nc.getServer() });
        void this.#watch(nc);
        return;
      } catch (err) {
        if (err instanceof TradingError) throw err;
        if (err instanceof AuthorizationError || /authori[sz]ation/i.test(String((err as Error).message))) {
          throw new TradingError(ErrorCode.BUS_AUTH, `the NATS server refused our credentials (${describeBus(this.options)['busAuth']}): ${describeError(err)}`);
        }
        if (!isRetryable(err)) {
          throw new TradingError(ErrorCode.BUS_UNAVAILABLE, `cannot connect to the NATS server ${this.options.servers.join(',')}: ${describeError(err)}`, { cause: err });
        }
        if (!warned) {
          warned = true;
          this.#log.warn('NATS server not reachable yet; retrying', { bus: this.options.servers.join(','), error: describeError(err) });
        }
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        this.#wakeRetry = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      delayMs = Math.min(RETRY_MAX_MS, delayMs * 2);
    }
  }

  /** Flush what was published, then close. Idempotent; bounded by timeoutMs. */
  async close(timeoutMs = 2_000): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#wakeRetry();
    const nc = this.#nc;
    if (nc === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    const flushed = this.#connected ? nc.flush().catch(() => undefined) : Promise.resolve();
    await Promise.race([flushed, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    await nc.close().catch(() => undefined);
    this.#connected = false;
  }

  async #watch(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      switch (status.type) {
        case 'disconnect':
          if (!this.#connected) break;
          this.#connected = false;
          this.#disconnects++;
          if (!this.#closed) this.#log.warn('bus disconnected; reconnecting', { server: status.server });
          this.#hooks.onDisconnect?.();
          break;
        case 'reconnect':
          this.#connected = true;
          this.#connects++;
          this.#log.info('bus reconnected', { server: status.server });
          this.#hooks.onReconnect?.();
          break;
        case 'error':
          this.#log.warn('bus error', { error: describeError(status.error) });
          break;
        case 'slowConsumer':
          this.#log.warn('bus: a subscription falls behind', { subject: status.sub.getSubject(), pending: status.pending });
          break;
        default:
          break;
      }
    }
  }

  #connectionOptions(): ConnectionOptions {
    const options = this.options;
    const result: ConnectionOptions = {
      servers: options.servers,
      name: options.name,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      reconnectJitter: 100,
      reconnectJitterTLS: 100,
      pingInterval: BUS_PING_INTERVAL_MS,
      maxPingOut: 2,
      timeout: 2_000,
      ignoreAuthErrorAbort: true,
    };
    if (options.user !== undefined) {
      result.user = options.user;
      result.pass = options.password ?? '';
    }
    if (options.nkeySeedFile !== undefined) {
      const file = options.nkeySeedFile;
      let seed: string;
      try {
        seed = readFileSync(file, 'utf8').trim();
      } catch (err) {
        throw new TradingError(ErrorCode.CONFIG_INVALID, `--bus-nkey-seed-file: cannot read ${file} (${describeError(err)})`);
      }
      if (!/^SU[A-Z2-7]{50,}$/.test(seed)) throw new TradingError(ErrorCode.CONFIG_INVALID, `--bus-nkey-seed-file: ${file} does not hold an nkey user seed (SU…)`);
      result.authenticator = nkeyAuthenticator(new TextEncoder().encode(seed));
    }
    if (options.tls !== undefined) result.tls = { ...options.tls };
    return result;
  }
}

function isRetryable(err: unknown): boolean {
  const text = `${(err as Error | undefined)?.name ?? ''} ${(err as Error | undefined)?.message ?? ''}`;
  return /connection refused|timeout|timed out|ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ECONNRESET/i.test(text);
}
