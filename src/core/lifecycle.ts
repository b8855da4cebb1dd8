/**
 * One lifecycle for every component: a state and a single table of allowed transitions.
 * A component that tries an illegal transition (start twice, stop before start) gets a
 * clear error instead of a half-started process.
 */
import { ErrorCode, TradingError } from './errors.js';
export type LifecycleState = 'new' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

const ALLOWED: Record<LifecycleState, readonly LifecycleState[]> = {
  new: ['starting', 'stopped'],
  starting: ['running', 'stopping', 'failed'],
  running: ['stopping', 'failed'],
  stopping: ['stopped', 'failed'],
  stopped: [],
  failed: ['stopped'],
};

export class Lifecycle {
  #state: LifecycleState = 'new';
  readonly #name: string;

  constructor(name: string) {
    this.#name = name;
  }

  get state(): LifecycleState {
    return this.#state;
  }

  canMoveTo(next: LifecycleState): boolean {
    return ALLOWED[this.#state].includes(next);
  }

  moveTo(next: LifecycleState): void {
    if (!this.canMoveTo(next)) {
      throw new TradingError(ErrorCode.INTERNAL, `${this.#name}: cannot go from ${this.#state} to ${next}`);
    }
    this.#state = next;
  }
}
