/**
 * `trading dropcopy`: a venue-style drop copy. It reads the EXECUTIONS stream (every
 * durable fill of the order manager, in order, once each: fill-mirror.ts) from a sequence
 * and prints one line per fill on stdout, as text or as JSON lines for a program to take.
 *
 * An ordered consumer (created by the client, nothing left on the server) follows the
 * stream across reconnects and server restarts and never skips or repeats a sequence; a
 * stream that does not exist yet is waited for. `--count N` stops after N fills.
 */
import { jetstream, type ConsumerMessages } from '@nats-io/jetstream';
import { BusConnection } from '../bus/bus-connection.js';
import { describeBus, type BusOptions } from '../bus/bus-config.js';
import { ErrorCode, TradingError, describeError } from '../core/errors.js';
import { fromPriceUnits } from '../core/fixed-point.js';
import type { LogFields, Logger } from '../core/log.js';
import type { Component } from '../core/runtime.js';
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
}

const STREAM_WAIT_MS = 500;

export class DropCopy implements Component {
  readonly #options: DropCopyOptions;
  readonly #connection: BusConnection;
  readonly #decoder = new MessageDecoder();
  #messages: ConsumerMessages | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  #fills = 0;
  #badMessages = 0;
  #lastSequence = 0;

  constructor(options: DropCopyOptions) {
    this.#options = options;
    this.#connection = new BusConnection(options.bus, options.log.child('bus'));
  }

  async start(): Promise<LogFields> {
    await this.#connection.open();
    this.#messages = await this.#consume();
    this.#running = this.#read(this.#messages);
    return { ...describeBus(this.#options.bus), stream: this.#options.stream, from: this.#options.fromSequence };
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#messages?.close();
    await this.#running;
    await this.#connection.close();
  }

  /** Fills printed, bad messages, the last stream sequence read (tests and tools). */
  counters(): Record<string, number> {
    return { fills: this.#fills, bad_messages: this.#badMessages, last_sequence: this.#lastSequence };
  }

  /** An ordered consumer from the sequence asked for, once the stream exists. */
  async #consume(): Promise<ConsumerMessages> {
    const js = jetstream(this.#connection.nats);
    let warned = false;
    for (;;) {
      try {
        const consumer = await js.consumers.get(this.#options.stream, {
          ...(this.#options.fromSequence > 1 ? { deliver_policy: 'by_start_sequence', opt_start_seq: this.#options.fromSequence } : { deliver_policy: 'all' }),
        });
        return await consumer.consume();
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

  async #read(messages: ConsumerMessages): Promise<void> {
    for await (const message of messages) {
      this.#lastSequence = message.seq;
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
      if (this.#options.count > 0 && this.#fills === this.#options.count) {
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
