/** Books, orders, a recording sink, a manual clock and fdatasync interception for the order manager's tests. */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { createL2Book, type L2Book } from '../../src/core/book.js';
import { toPriceUnits } from '../../src/core/fixed-point.js';
import { MessageType, OrderType, Side, TimeInForce, type ExecutionReport, type Order } from '../../src/protocol/messages.js';
import type { ExecutionReportSink } from '../../src/ordermanager/report-queue.js';

/** A book from decimal [price, size] levels, best first. */
export function makeBook(levels: { bids?: [number, number][]; asks?: [number, number][]; sequence?: number }): L2Book {
  const book = createL2Book(10);
  const bids = levels.bids ?? [];
  const asks = levels.asks ?? [];
  bids.forEach(([price, size], i) => {
    book.bidPrices[i] = toPriceUnits(price);
    book.bidSizes[i] = size;
  });
  asks.forEach(([price, size], i) => {
    book.askPrices[i] = toPriceUnits(price);
    book.askSizes[i] = size;
  });
  book.bidCount = bids.length;
  book.askCount = asks.length;
  book.sequence = levels.sequence ?? 1;
  book.timestamp = 1_764_000_000;
  return book;
}

/** The standard test book: bids 99.99/99.98/99.97, asks 100.01/100.02/100.03, 100 shares each; mid 100.00. */
export function standardBook(sequence = 1): L2Book {
  return makeBook({
    bids: [
      [99.99, 100],
      [99.98, 100],
      [99.97, 100],
    ],
    asks: [
      [100.01, 100],
      [100.02, 100],
      [100.03, 100],
    ],
    sequence,
  });
}

let nextId = 0;

/** An order; `price` in decimal (converted to units). Defaults: AAPL BUY 100 LIMIT IOC @ 100.03. */
export function makeOrder(fields: Partial<Omit<Order, 'price'>> & { price?: number } = {}): Order {
  const { price, ...rest } = fields;
  return {
    type: MessageType.ORDER,
    orderId: `o-${process.pid}-${nextId++}`,
    symbol: 'AAPL',
    side: Side.BUY,
    orderType: OrderType.LIMIT,
    timeInForce: TimeInForce.IOC,
    quantity: 100,
    timestamp: 1_764_000_000,
    tickSentNs: 11,
    orderSentNs: 22,
    ...rest,
    price: price === undefined ? toPriceUnits(100.03) : Number.isFinite(price) ? toPriceUnits(price) : price,
  };
}

export interface DeliveredReport {
  client: string;
  report: ExecutionReport;
}

/** Records copies of delivered reports (the originals are pooled and reused). */
export class RecordingSink implements ExecutionReportSink {
  readonly delivered: DeliveredReport[] = [];
  onDeliver: ((client: string, report: Readonly<ExecutionReport>) => void) | undefined;

  deliver(client: string, report: Readonly<ExecutionReport>): void {
    this.onDeliver?.(client, report);
    this.delivered.push({ client, report: { ...report } });
  }

  reportsFor(orderId: string): ExecutionReport[] {
    return this.delivered.filter((d) => d.report.orderId === orderId).map((d) => d.report);
  }

  clear(): void {
    this.delivered.length = 0;
  }
}

/** A clock the test moves by hand. */
export class ManualClock {
  nowNs = 1_000_000_000;
  nowSeconds = 1_764_000_000;

  monotonicNs(): number {
    return this.nowNs;
  }

  epochSeconds(): number {
    return this.nowSeconds;
  }
}

type FdatasyncCallback = (err: NodeJS.ErrnoException | null) => void;

/**
 * Replace fs.fdatasync for one test (and, through syncBuiltinESMExports, the named export
 * the trade log imported), to observe or fail syncs. Returns the function that restores it.
 */
export function wrapFdatasync(wrapper: (fd: number, callback: FdatasyncCallback, original: typeof fs.fdatasync) => void): () => void {
  const original = fs.fdatasync;
  fs.fdatasync = ((fd: number, callback: FdatasyncCallback) => wrapper(fd, callback, original)) as typeof fs.fdatasync;
  syncBuiltinESMExports();
  return () => {
    fs.fdatasync = original;
    syncBuiltinESMExports();
  };
}

/** A wrapper for wrapFdatasync that fails every sync with EIO. */
export function failingFdatasync(_fd: number, callback: FdatasyncCallback): void {
  const err: NodeJS.ErrnoException = new Error('EIO: i/o error');
  err.code = 'EIO';
  setImmediate(() => callback(err));
}

/** Replace fs.fdatasyncSync for one test, as wrapFdatasync does fs.fdatasync. Returns the restore function. */
export function wrapFdatasyncSync(wrapper: (fd: number, original: typeof fs.fdatasyncSync) => void): () => void {
  const original = fs.fdatasyncSync;
  fs.fdatasyncSync = ((fd: number) => wrapper(fd, original)) as typeof fs.fdatasyncSync;
  syncBuiltinESMExports();
  return () => {
    fs.fdatasyncSync = original;
    syncBuiltinESMExports();
  };
}
