/**
 * `trading dropcopy`: a venue-style drop copy. It reads the EXECUTIONS stream (every
 * durable fill of the order manager, in order, once each: fill-mirror.ts) from a sequence
 * and prints one line per fill on stdout, as text or as JSON lines for a program to take.
 * A stream that does not exist yet is waited for. `--count N` stops after N fills.
 *
 * Resuming is ours, not the client library's. An ordered consumer of @nats-io/jetstream
 * 3.x recreates itself after a server restart, but it keeps the pull accounting of the
 * request that died with the old server: unless the server's "409" for that request
 * arrived before the socket closed (a race, lost about one restart in four under load,
 * always on a crash), the new consumer is asked for only as many messages as had arrived
 * since the last pull, and the client then waits for two missed idle heartbeats (30 s by
 * default) before it pulls again. So on every disconnect, on missed heartbeats, and if the
 * iterator ends by itself, the drop copy drops its consumer and, once connected, creates a
 * new one from the sequence after the last one it printed. Stream sequences only grow, so a
 * message at or below that sequence (one the old consumer had already queued) is skipped:
 * nothing is printed twice and nothing is skipped.
 *
 * Counters (`metricsShm`): like the four components, a counters segment named after the
 * system's book segment (`<shm>.metrics.dropcopy`), for `trading stat` and /metrics: fills
 * written, bad messages, the last stream sequence and how many messages the stream held
 * after it (the lag), consumers replaced and failed, the bus connection, and the delay from
 * a fill's store in the stream to its line here.
 */
import { jetstream, type ConsumerMessages } from '@nats-io/jetstream';
import { BusConnection } from '../bus/bus-connection.js';
import { publishConnectionMetrics } from '../bus/bus-metrics.js';
import { describeBus, type BusOptions } from '../bus/bus-config.js';
import { ErrorCode, TradingError, describeError } from '../core/errors.js';
import { fromPriceUnits } from '../core/fixed-point.js';
import type { LogFields, Logger } from '../core/log.js';
import type { Component } from '../core/runtime.js';
import { COMPONENT_METRICS, MetricsWriter, type ComponentMetricName, type HistogramRecorder } from '../metrics/index.js';
import { MessageDecoder } from '../protocol/codec.js';
import { EXECUTION_STATUS_NAMES, MessageType, ORDER_TYPE_NAMES, SIDE_NAMES, TIME_IN_FORCE_NAMES, type ExecutionReport } from '../protocol/messages.js';

export interface DropCopyOptions {
  bus: BusOptions;
  stream: string;
  /** First stream sequence to print (1 = from the beginning). */
  fromSequence: number;
  json: boolean;
  /** Stop after this many fills (0 = never). */
  count: number;
  write: (text: string) => void;
  /** Called once `count` fills were written. */
  onDone: () => void;
  log: Logger;
  /** Publish counters into the counters segment named after this book segment name (the `trading dropcopy` process does). */
  metricsShm?: string;
}

type DropCopyMetrics = MetricsWriter<ComponentMetricName<'dropcopy'>>;

const STREAM_WAIT_MS = 500;
/**
 * A pull request lives this long; the server sends an idle heartbeat every half of it, and
 * two missed heartbeats (this long of silence on a live connection) replace the consumer.
 */
export const DROPCOPY_PULL_EXPIRES_MS = 5_000;
const PULL_BATCH = 100;

export class DropCopy implements Component {
  readonly #options: DropCopyOptions;
  readonly #connection: BusConnection;
  readonly #decoder = new MessageDecoder();
  #messages: ConsumerMessages | undefined;
  #following: Promise<void> | undefined;
  #stopped = false;
  #done = false;
  #fills = 0;
  #badMessages = 0;
  #skipped = 0;
  #lastSequence: number;
  #resumes = 0;
  #consumerFailures = 0;
  /** Messages the stream held after the last one read, as the server counted at its delivery. */
  #pending = 0;
  #metrics: DropCopyMetrics | undefined;
  #copyDelay: HistogramRecorder | undefined;
  /** Disconnects seen: a consumer created across one is already stale. */
  #disconnects = 0;
  /** Resolves the wait for the connection to come back (the bus reconnected). */
  #wakeConnected: () => void = () => undefined;

  constructor(options: DropCopyOptions) {
    this.#options = options;
    this.#lastSequence = options.fromSequence - 1;
    this.#connection = new BusConnection(options.bus, options.log.child('bus'), {
      onDisconnect: () => {
        this.#disconnects++;
        this.#replace('bus disconnected');
      },
      onReconnect: () => this.#wakeConnected(),
    });
  }

  async start(): Promise<LogFields> {
    const shm = this.#options.metricsShm;
    if (shm !== undefined) {
      const publish = (w: DropCopyMetrics): void => this.#publishMetrics(w);
      this.#metrics = MetricsWriter.openOrWarn({ component: 'dropcopy', shm, metrics: COMPONENT_METRICS.dropcopy, publish }, (message, fields) => this.#options.log.warn(message, fields));
      this.#copyDelay = this.#metrics?.histogram('fill_copy_delay');
    }
    let first: ConsumerMessages;
    try {
      await this.#connection.open();
      first = await this.#consume();
    } catch (err) {
      this.#metrics?.close();
      throw err;
    }
    this.#following = this.#follow(first).catch((err: unknown) => {
      if (!this.#stopped) this.#options.log.error('drop copy stopped reading', { error: describeError(err) });
    });
    return { ...describeBus(this.#options.bus), stream: this.#options.stream, from: this.#options.fromSequence };
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wakeConnected();
    await this.#messages?.close();
    await this.#following;
    await this.#connection.close();
    this.#metrics?.close();
  }

  /** Fills printed, bad messages, the last stream sequence read, consumers replaced (tests and tools). */
  counters(): Record<string, number> {
    return { fills: this.#fills, bad_messages: this.#badMessages, last_sequence: this.#lastSequence, resumes: this.#resumes, skipped: this.#skipped };
  }

  /** Copy the counters into the counters segment (every publish interval, off the message path). */
  #publishMetrics(w: DropCopyMetrics): void {
    w.set('fills_copied', this.#fills);
    w.set('bad_messages', this.#badMessages);
    w.set('stream_sequence', Math.max(0, this.#lastSequence));
    w.set('stream_pending', this.#pending);
    w.set('stream_duplicates_skipped', this.#skipped);
    w.set('consumer_replacements', this.#resumes);
    w.set('consumer_failures', this.#consumerFailures);
    publishConnectionMetrics(w, this.#connection);
  }

  /** Read consumer after consumer until stopped or done: each ends when #replace closes it. */
  async #follow(first: ConsumerMessages): Promise<void> {
    let messages: ConsumerMessages | undefined = first;
    while (!this.#stopped && !this.#done) {
      messages ??= await this.#consume();
      try {
        await this.#read(messages);
      } catch (err) {
        if (!this.#stopped) {
          this.#consumerFailures++;
          this.#options.log.warn('stream consumer failed; resuming', { after: this.#lastSequence, error: describeError(err) });
        }
      }
      if (this.#stopped || this.#done) break;
      // ended without our asking (the library gave up): replace it all the same
      if (this.#messages === messages) this.#replace('consumer ended');
      messages = undefined;
    }
  }

  /** Drop the current consumer; #follow creates the next one from the sequence after the last printed. */
  #replace(reason: string): void {
    const messages = this.#messages;
    if (messages === undefined || this.#stopped) return;
    this.#messages = undefined;
    this.#resumes++;
    this.#options.log.info('stream consumer replaced; resuming after the last sequence printed', { reason, after: this.#lastSequence });
    void messages.close().catch(() => undefined);
  }

  /** An ordered consumer from the sequence after the last printed, once connected and once the stream exists. */
  async #consume(): Promise<ConsumerMessages> {
    let warned = false;
    for (;;) {
      if (this.#stopped) throw new TradingError(ErrorCode.NOT_CONNECTED, 'drop copy stopped');
      if (!this.#connection.connected) {
        await new Promise<void>((resolve) => {
          this.#wakeConnected = resolve;
          // the connection may have come back between the check and the hook
          if (this.#connection.connected) resolve();
        });
        continue;
      }
      try {
        const from = this.#lastSequence + 1;
        const disconnects = this.#disconnects;
        const js = jetstream(this.#connection.nats);
        const consumer = await js.consumers.get(this.#options.stream, from > 1 ? { deliver_policy: 'by_start_sequence', opt_start_seq: from } : { deliver_policy: 'all' });
        const messages = await consumer.consume({ max_messages: PULL_BATCH, expires: DROPCOPY_PULL_EXPIRES_MS });
        if (this.#stopped || disconnects !== this.#disconnects) {
          // stopped, or the connection dropped while it was being made: make another
          await messages.close();
          continue;
        }
        this.#messages = messages;
        void this.#watch(messages);
        return messages;
      } catch (err) {
        if (this.#stopped) throw err;
        if (!warned) {
          warned = true;
          this.#options.log.warn('stream not readable yet; waiting', { stream: this.#options.stream, error: describeError(err) });
        }
        await new Promise((resolve) => setTimeout(resolve, STREAM_WAIT_MS));
      }
    }
  }

  /** Missed idle heartbeats on a live connection: the consumer is stuck or gone; replace it. */
  async #watch(messages: ConsumerMessages): Promise<void> {
    for await (const status of messages.status()) {
      if (status.type === 'heartbeats_missed' && this.#messages === messages && this.#connection.connected) this.#replace('heartbeats missed');
    }
  }

  async #read(messages: ConsumerMessages): Promise<void> {
    for await (const message of messages) {
      if (message.seq <= this.#lastSequence) {
        // already printed: the replaced consumer had queued it
        this.#skipped++;
        continue;
      }
      this.#lastSequence = message.seq;
      // parsed once by .seq: the server's count of what follows, and when it stored this one
      const info = message.info;
      this.#pending = info.pending;
      let report: ExecutionReport;
      try {
        const decoded = this.#decoder.decode(Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength), 0, message.data.byteLength);
        if (decoded.type !== MessageType.TRADE_EXECUTION) throw new TradingError(ErrorCode.MESSAGE_UNKNOWN_TYPE, `message type ${decoded.type} is not TRADE_EXECUTION`);
        report = decoded;
      } catch (err) {
        this.#badMessages++;
        this.#options.log.warn('stream message is not a fill: skipped', { sequence: message.seq, error: describeError(err) });
        continue;
      }
      this.#options.write(this.#options.json ? jsonLine(message.seq, report) : textLine(message.seq, report));
      this.#fills++;
      this.#copyDelay?.record((performance.timeOrigin + performance.now()) * 1000 - info.timestampNanos / 1000);
      if (this.#options.count > 0 && this.#fills === this.#options.count) {
        this.#done = true;
        this.#options.onDone();
        return;
      }
    }
  }
}

function jsonLine(sequence: number, report: Readonly<ExecutionReport>): string {
  return (
    JSON.stringify({
      sequence,
      execution_id: report.executionId,
      order_id: report.orderId,
      symbol: report.symbol,
      side: SIDE_NAMES[report.side],
      quantity: report.lastQuantity,
      execution_price: fromPriceUnits(report.lastPrice),
      order_price: fromPriceUnits(report.orderPrice),
      timestamp: report.timestamp,
      status: EXECUTION_STATUS_NAMES[report.status],
      order_type: ORDER_TYPE_NAMES[report.orderType],
      time_in_force: TIME_IN_FORCE_NAMES[report.timeInForce],
      order_quantity: report.orderQuantity,
      filled_quantity: report.filledQuantity,
      leaves_quantity: report.leavesQuantity,
      average_price: fromPriceUnits(report.averagePrice),
    }) + '\n'
  );
}

function textLine(sequence: number, report: Readonly<ExecutionReport>): string {
  const when = new Date(report.timestamp * 1000).toISOString();
  return (
    `${String(sequence).padStart(8)}  ${when}  ${report.executionId.padEnd(10)} ${SIDE_NAMES[report.side].padEnd(4)} ` +
    `${String(report.lastQuantity).padStart(7)} ${report.symbol.padEnd(8)} @ ${fromPriceUnits(report.lastPrice).toFixed(4)}  ` +
    `order ${JSON.stringify(report.orderId)} ${EXECUTION_STATUS_NAMES[report.status]} ${report.filledQuantity}/${report.orderQuantity}\n`
  );
}
