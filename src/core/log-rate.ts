/**
 * A bound on how many lines a recurring event may log: at most `linesPerPeriod` lines per
 * `periodMs`, the events past that counted instead and reported with the next line logged.
 * For events a peer can cause at will (refused connections, slow-consumer episodes of
 * thousands of clients): each line is a synchronous write to stderr, and a flood of them
 * costs the process, and whoever reads its log, more than the event itself.
 */
export class LogRate {
  readonly linesPerPeriod: number;
  readonly periodMs: number;
  #periodStartMs = Number.NEGATIVE_INFINITY;
  #linesInPeriod = 0;
  #notLogged = 0;

  constructor(linesPerPeriod: number, periodMs: number) {
    this.linesPerPeriod = linesPerPeriod;
    this.periodMs = periodMs;
  }

  /** Whether to log this event now; if not, it is counted (see takeNotLogged). */
  allow(nowMs: number): boolean {
    if (nowMs - this.#periodStartMs >= this.periodMs) {
      this.#periodStartMs = nowMs;
      this.#linesInPeriod = 0;
    }
    if (this.#linesInPeriod < this.linesPerPeriod) {
      this.#linesInPeriod++;
      return true;
    }
    this.#notLogged++;
    return false;
  }

  /** Events not logged since the last call; the count starts again from 0. */
  takeNotLogged(): number {
    const count = this.#notLogged;
    this.#notLogged = 0;
    return count;
  }
}
