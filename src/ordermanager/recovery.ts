/**
 * The order manager's start: its state rebuilt from a checkpoint (if any) and the journal
 * replayed after it: positions, every used order id, the book state each symbol last
 * traded against, and the DAY orders that rested and were not cancelled, with the fills
 * they got. The core (order-manager.ts) parks those again and goes on.
 *
 * Restart. The journal (trade log + order journal, trade-log.ts) is replayed on
 * construction: positions, realized PnL, the execution counter, every used order id (so
 * a duplicate stays rejected), and the resting DAY orders (journaled when they rest and
 * when cancelled; their fills come from the trade log), which go on resting under the
 * same client name. Stopping gracefully is the end of the day: the shell calls
 * cancelAll(), so nothing rests into the next run; a crash leaves them resting, which
 * is what their owners were last told.
 */
import type { Logger } from '../core/log.js';
import type { Checkpoint } from './checkpoint.js';
import type { ExecutionJournal, JournalRecovery, LoggedFill } from './execution-journal.js';
import type { OrderIdWindow } from './order-id-window.js';
import type { PositionBook } from './positions.js';
import type { ReportNumbering } from './report-numbering.js';
import { workingOrderFrom, type WorkingOrder } from './working-order.js';

export interface ReplayedJournal {
  recovery: JournalRecovery;
  /** Orders that rested and were not cancelled, with the fills they got (some may be done). */
  rested: Map<string, WorkingOrder>;
  /** Fills before the replay started: those of the checkpoint. */
  checkpointFills: number;
  /**
   * Fills whose report was numbered but whose report line is not in the order journal
   * (copies, oldest first): ReportNumbering.recovered journals one for each.
   */
  unreported: LoggedFill[];
}

/** A replayed fill: the position moves, and a resting order it belongs to gets its fill. */
function replayFill(fill: Readonly<LoggedFill>, positions: PositionBook, rested: Map<string, WorkingOrder>): void {
  positions.apply(fill.symbol, fill.side, fill.quantity, fill.executionPrice);
  const order = rested.get(fill.orderId);
  if (order !== undefined) {
    order.filled += fill.quantity;
    order.notional += fill.quantity * fill.executionPrice;
  }
}

/** Fill `positions`, `orderIds` and `lastSequences` (per symbol, the last book state traded against). */
export function replayJournal(
  journal: ExecutionJournal,
  checkpoint: Checkpoint | undefined,
  positions: PositionBook,
  orderIds: OrderIdWindow,
  lastSequences: Map<string, number>,
  numbering: ReportNumbering,
): ReplayedJournal {
  const rested = new Map<string, WorkingOrder>();
  if (checkpoint !== undefined) {
    numbering.restore(checkpoint.reportSequences, checkpoint.sessionId);
    for (const state of checkpoint.positions) positions.restore(state);
    for (const orderId of checkpoint.orderIds) orderIds.add(orderId);
    for (const order of checkpoint.resting) rested.set(order.orderId, { ...order, receivedNs: order.receivedNs ?? 0 } as WorkingOrder);
    for (const [symbol, sequence] of checkpoint.bookSequences) lastSequences.set(symbol, sequence);
  }
  // Per identity, the execution number of its last fill with a report line. A fill's line and
  // its report line are appended in the same order and synced apart (trade-log.ts), so after
  // a crash a numbered fill past it lacks its report line: nothing was sent for it, and it
  // gets one now, or a resuming client would never hear of it.
  const reportedUpTo = new Map<string, bigint>();
  const unreported: LoggedFill[] = [];
  const recovery = journal.recover(
    {
      onOrderEvent: (event) => {
        if (event.kind === 'rested') rested.set(event.orderId, workingOrderFrom(event));
        else if (event.kind === 'canceled') rested.delete(event.orderId);
      },
      onFill: (fill) => {
        replayFill(fill, positions, rested);
        if (!Number.isNaN(fill.bookSequence)) lastSequences.set(fill.symbol, fill.bookSequence);
        if (fill.reportSequence > 0 && fill.executionNumber > (reportedUpTo.get(fill.client) ?? 0n)) unreported.push({ ...fill });
      },
      onOrderId: (orderId) => orderIds.add(orderId),
      onNote: (note) => {
        numbering.note(note);
        if (note.kind === 'report' && note.executionNumber > 0n) reportedUpTo.set(note.client, note.executionNumber);
      },
    },
    checkpoint === undefined
      ? undefined
      : { tradeLog: checkpoint.tradeLog, orderJournal: checkpoint.orderJournal, lastExecutionNumber: BigInt(checkpoint.lastExecutionNumber) },
  );
  return { recovery, rested, checkpointFills: checkpoint?.fills ?? 0, unreported };
}

/**
 * After the replay (resting orders parked again): journal a numbered report for each fill of
 * `replayed.unreported` (ReportNumbering.recovered), and say so.
 */
export function reportUnreported(
  replayed: ReplayedJournal,
  numbering: ReportNumbering,
  journal: ExecutionJournal,
  journalSession: boolean,
  isWorking: (orderId: string) => boolean,
  log: Logger,
): void {
  const reports = numbering.recovered(journal, journalSession, replayed.unreported, isWorking);
  if (reports > 0) {
    log.warn('fills in the trade log without their report line (a crash between the two files\' syncs): reports journaled for them, to be replayed', {
      fills: replayed.unreported.length,
      reports,
      first: replayed.unreported[0]?.executionId,
    });
  } else if (replayed.unreported.length > 0) {
    log.warn('fills in the trade log without their report line in an order journal without a session: nothing to replay them to', { fills: replayed.unreported.length });
  }
}

/** The state of a checkpoint at the journal's durable `point`. */
export function checkpointOf(
  point: Pick<Checkpoint, 'tradeLog' | 'orderJournal'>,
  executionNumber: bigint,
  positions: PositionBook,
  orderIds: OrderIdWindow,
  resting: Iterable<WorkingOrder>,
  lastSequences: Map<string, number>,
  numbering: ReportNumbering,
): Omit<Checkpoint, 'version'> {
  const states = positions.toState();
  return {
    ...point,
    lastExecutionNumber: executionNumber.toString(),
    fills: states.reduce((sum, position) => sum + position.fills, 0),
    positions: states,
    orderIds: orderIds.values(),
    resting: [...resting].map((order) => ({ ...order })),
    bookSequences: [...lastSequences].filter(([, sequence]) => !Number.isNaN(sequence)),
    reportSequences: numbering.entries(),
    sessionId: numbering.sessionId,
  };
}
