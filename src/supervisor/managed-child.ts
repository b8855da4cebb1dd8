/**
 * One component process as the supervisor sees it: forked with an IPC channel, ready only
 * when it says so (no sleeps), stopped by asking (IPC `shutdown`) and killed only when it
 * does not stop in time. Its log lines are passed on whole. Its counters are not here: they
 * are in its counters segment (src/metrics), which the supervisor reads from outside.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { ErrorCode, TradingError } from '../core/errors.js';
import type { ComponentReport } from '../core/runtime.js';
import { askToStop, waitForReady } from './child-protocol.js';
import type { LogFields } from '../core/log.js';

const CLI_PATH = fileURLToPath(new URL('../cli.js', import.meta.url));

export interface ChildSpec {
  /** Component name, also the `trading` subcommand. */
  name: string;
  /** Arguments after the subcommand; computed at every (re)start. */
  args: () => string[];
  readyTimeoutMs: number;
  stopTimeoutMs: number;
  env?: NodeJS.ProcessEnv;
}

export type ChildState = 'idle' | 'starting' | 'running' | 'stopping' | 'exited';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** true when the supervisor asked it to stop. */
  expected: boolean;
  /** false when it exited while starting: start() rejects, and that is how the failure is told. */
  afterReady: boolean;
}

export class ManagedChild extends EventEmitter<{ exit: [ChildExit]; line: [string]; problem: [string]; beat: []; finished: [string] }> {
  readonly spec: ChildSpec;
  #process: ChildProcess | undefined;
  #state: ChildState = 'idle';
  #failure: string | undefined;
  #problem = '';
  #starts = 0;
  #exited: Promise<ChildExit> = Promise.resolve({ code: 0, signal: null, expected: true, afterReady: false });

  constructor(spec: ChildSpec) {
    super();
    this.spec = spec;
  }

  get state(): ChildState {
    return this.#state;
  }

  get pid(): number | undefined {
    return this.#process?.pid;
  }

  /** What it last said keeps it from working ('' = nothing), e.g. "trade log: disk full (ENOSPC) ...". */
  get problem(): string {
    return this.#problem;
  }

  /** Its own words for why its last start failed, if it said any. */
  get lastFailure(): string | undefined {
    return this.#failure;
  }

  /** How many times it has been started (1 = never restarted). */
  get starts(): number {
    return this.#starts;
  }

  /** Fork and wait for the component's `ready`; rejects with its own error line otherwise. */
  start(): Promise<LogFields> {
    if (this.#state !== 'idle' && this.#state !== 'exited') throw new TradingError(ErrorCode.INTERNAL, `${this.spec.name} is already ${this.#state}`);
    this.#state = 'starting';
    this.#failure = undefined;
    this.#problem = '';
    this.#starts += 1;
    const child = fork(CLI_PATH, [this.spec.name, ...this.spec.args()], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Its own process group: a terminal's Ctrl+C reaches only the supervisor, which then
      // stops the components in order instead of all at once.
      detached: true,
      env: this.spec.env ?? process.env,
    });
    this.#process = child;
    this.#forwardLines(child);

    let onExitResolve: (exit: ChildExit) => void = () => undefined;
    this.#exited = new Promise((resolve) => {
      onExitResolve = resolve;
    });
    child.once('exit', (code, signal) => {
      const exit: ChildExit = { code, signal, expected: this.#state === 'stopping', afterReady: this.#state !== 'starting' };
      this.#state = 'exited';
      onExitResolve(exit);
      this.emit('exit', exit);
    });

    child.on('message', (raw: unknown) => {
      const message = raw as ComponentReport;
      if (message.kind === 'beat') {
        this.emit('beat');
      } else if (message.kind === 'problem') {
        this.#problem = message.problem;
        this.emit('problem', message.problem);
      } else if (message.kind === 'failed') {
        this.#failure = message.message;
      } else if (message.kind === 'finished') {
        this.emit('finished', message.reason);
      }
    });
    return waitForReady(child, this.spec.name, this.spec.readyTimeoutMs).then((details) => {
      if (this.#state === 'starting') this.#state = 'running';
      return details;
    });
  }

  /** Ask it to stop; kill it if it has not exited within stopTimeoutMs. Idempotent. */
  async stop(): Promise<ChildExit> {
    const child = this.#process;
    if (child === undefined || this.#state === 'exited' || this.#state === 'idle') return this.#exited;
    if (this.#state !== 'stopping') {
      this.#state = 'stopping';
      askToStop(child);
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), this.spec.stopTimeoutMs);
    const exit = await this.#exited;
    clearTimeout(timer);
    return exit;
  }

  /** Send a signal now (the supervisor's last resort, and tests' fault injection). */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.#process?.kill(signal);
  }

  #forwardLines(child: ChildProcess): void {
    for (const stream of [child.stdout, child.stderr]) {
      let partial = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) if (line !== '') this.emit('line', line);
      });
      stream?.on('end', () => {
        if (partial !== '') this.emit('line', partial);
        partial = '';
      });
    }
  }
}
