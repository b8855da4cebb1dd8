/**
 * When the order manager writes its checkpoint (checkpoint.ts) beside the trade log, and
 * whether the one found at start may be used. A checkpoint is written when enough was
 * appended since the last one (or at stop), at a moment when everything appended is
 * durable; a busy journal simply waits for the next try. One not written, or not usable,
 * only makes the next start replay more of the log: nothing is lost.
 */
import { rmSync } from 'node:fs';
import { describeError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { CHECKPOINT_SUFFIX, journalReaches, readCheckpoint, writeCheckpointAsync, type Checkpoint } from './checkpoint.js';
import type { OrderManager } from './order-manager.js';
import type { TradeLog } from './trade-log.js';

/** How often a checkpoint is considered, ms, and how many new records make one worth writing. */
const CHECKPOINT_PERIOD_MS = 5_000;
const CHECKPOINT_MIN_RECORDS = 100_000;

export class Checkpointer {
  readonly path: string;
  readonly #tradeLog: TradeLog;
  readonly #log: Logger;
  #om: OrderManager | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** The journal's appendedCount at the last checkpoint. */
  #checkpointedAt = 0;
  #written = 0;
  #stopped = false;
  /** The checkpoint being written, if one is. */
  #writing: Promise<void> | undefined;

  /** `tradeLogPath` as configured: the checkpoint is that path plus CHECKPOINT_SUFFIX. */
  constructor(tradeLogPath: string, tradeLog: TradeLog, log: Logger) {
    this.#tradeLog = tradeLog;
    this.path = tradeLogPath + CHECKPOINT_SUFFIX;
    this.#log = log;
  }

  /** Checkpoints written by this process. */
  get written(): number {
    return this.#written;
  }

  /**
   * The checkpoint beside the log, if it matches the log; else undefined, saying why. A
   * repair rewrites the log: offsets in an old checkpoint would point anywhere, so it is deleted.
   */
  usable(repair: boolean): Checkpoint | undefined {
    if (repair) {
      rmSync(this.path, { force: true });
      return undefined;
    }
    const read = readCheckpoint(this.path);
    if ('reason' in read) {
      if (read.reason !== 'none') this.#log.warn('checkpoint not used: replaying the whole log', { path: this.path, reason: read.reason });
      return undefined;
    }
    const { checkpoint } = read;
    const tradeLog = this.#tradeLog;
    if (!journalReaches(tradeLog.path, checkpoint.tradeLog) || !journalReaches(tradeLog.orderJournalPath, checkpoint.orderJournal)) {
      this.#log.warn('checkpoint not used: the log does not reach it (replaced, cut or repaired); replaying the whole log', { path: this.path });
      return undefined;
    }
    return checkpoint;
  }

  /** Checkpoint `om`'s state from now on, every CHECKPOINT_PERIOD_MS when worth it. */
  start(om: OrderManager): void {
    this.#om = om;
    this.#checkpointedAt = this.#tradeLog.appendedCount;
    this.#timer = setInterval(() => this.maybeWrite(), CHECKPOINT_PERIOD_MS);
    this.#timer.unref();
  }

  /** The periodic checkpoints end (stop; a final one may still be written). */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** The trade log failed: nothing more is written (its state is not one to restart from). */
  disable(): void {
    this.#stopped = true;
    this.stop();
  }

  /**
   * The periodic check: write one when enough was appended since the last, on the
   * threadpool (the order path goes on meanwhile). One at a time: while one is being
   * written, the check waits for the next period.
   */
  maybeWrite(): void {
    if (this.#writing !== undefined) return;
    const snapshot = this.#snapshot(false);
    if (snapshot === undefined) return;
    this.#writing = writeCheckpointAsync(this.path, snapshot.state).then(
      () => this.#recordWritten(snapshot.appended),
      (error: unknown) => this.#notWritten(error),
    ).finally(() => (this.#writing = undefined));
  }

  /** At stop: after the one being written, if any, one more if anything was appended since. */
  async writeFinal(): Promise<void> {
    await this.#writing;
    const snapshot = this.#snapshot(true);
    if (snapshot === undefined) return;
    try {
      await writeCheckpointAsync(this.path, snapshot.state);
      this.#recordWritten(snapshot.appended);
    } catch (error) {
      this.#notWritten(error);
    }
  }

  /** The state to checkpoint now, if worth it (`final`: anything at all) and durable. */
  #snapshot(final: boolean): { state: Omit<Checkpoint, 'version'>; appended: number } | undefined {
    const om = this.#om;
    if (om === undefined || this.#stopped) return undefined;
    const appended = this.#tradeLog.appendedCount;
    if (appended === this.#checkpointedAt || (!final && appended - this.#checkpointedAt < CHECKPOINT_MIN_RECORDS)) return undefined;
    const state = om.checkpointState();
    return state === undefined ? undefined : { state, appended };
  }

  #recordWritten(appended: number): void {
    this.#checkpointedAt = appended;
    this.#written++;
  }

  #notWritten(error: unknown): void {
    this.#log.warn('checkpoint not written', { path: this.path, error: describeError(error) });
  }
}
