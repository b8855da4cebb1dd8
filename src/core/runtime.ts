/**
 * The harness around every process of the system (`trading gateway`, `orderbook`, ...).
 * A process is a small program around pure logic; this file gives all of them the same
 * outer shape:
 *
 *   start → ready → (serve) → stop (drain) → exit 0
 *
 * Readiness goes to the supervisor over the IPC channel when there is one
 * (child_process.fork), and as a log line always, so a component also runs alone; then a
 * beat every second, the supervisor's liveness signal. Counters
 * do not travel here: each process publishes them in its own counters segment
 * (src/metrics), which the supervisor and tools read from outside.
 * SIGINT, SIGTERM or an IPC `shutdown` stop it gracefully; a second signal forces exit.
 * A start failure is one line with the error's code (no stack trace) and a non-zero exit;
 * so is a failure while running, which the component announces with `control.fail(err)`.
 *
 * Commands do not call this directly: src/command/command.ts wraps it with the config.
 */
import { describeError, isTradingError, ErrorCode } from './errors.js';
import { Lifecycle } from './lifecycle.js';
import { createLogger, type LogFields, type Logger } from './log.js';

export interface Component {
  /** Start serving; resolves with facts worth telling (bound port, ...) once ready. */
  start(): Promise<LogFields>;
  /** Drain and release everything. Idempotent. */
  stop(): Promise<void>;
}

/** IPC messages from a component to its supervisor. */
export type ComponentReport =
  | { kind: 'ready'; component: string; details: LogFields }
  /** I am alive: sent every second from the event loop, so a silent one is stuck (supervisor liveness). */
  | { kind: 'beat'; component: string; atMs: number }
  | { kind: 'failed'; component: string; code: string; message: string }
  /** Running but unable to do its work (e.g. "trade log: disk full"); '' when it is over. */
  | { kind: 'problem'; component: string; problem: string }
  /** Its work is done (a replay served its last frame): the system may stop. */
  | { kind: 'finished'; component: string; reason: string };

/** IPC messages from the supervisor to a component. */
export type SupervisorCommand = { kind: 'shutdown' };

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** How often a component under a supervisor says it is alive, ms. */
export const BEAT_INTERVAL_MS = 1000;

/** What the harness hands the component's builder besides its logger. */
export interface ComponentControl {
  /**
   * The component cannot go on (a trade log that can no longer be written, ...): log the
   * error with its code, tell the supervisor, stop gracefully, and exit non-zero. Safe to
   * call more than once and at any time; only the first error counts.
   */
  fail(error: unknown): void;
}

export interface RunOptions {
  /** How long a graceful stop may take before the process exits anyway, ms (default 10000). */
  stopTimeoutMs?: number;
}

/** Send to the supervisor, if any; resolves once the message is handed to the channel. */
function report(message: ComponentReport): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

/** Tell the supervisor, if any, what keeps this running component from working ('' = nothing any more). */
export function reportProblem(component: string, problem: string): void {
  void report({ kind: 'problem', component, problem });
}

/** Tell the supervisor, if any, that this component's work is done (a replay's end). */
export function reportFinished(component: string, reason: string): void {
  void report({ kind: 'finished', component, reason });
}

/** True when a supervisor forked us (an IPC channel is open). */
export function underSupervisor(): boolean {
  return process.send !== undefined && process.connected;
}

function exitCodeFor(err: unknown): number {
  return isTradingError(err) && err.code === ErrorCode.CONFIG_INVALID ? EXIT_USAGE : EXIT_FAILURE;
}

/**
 * Build the component, start it, and keep the process serving until asked to stop.
 * Resolves with the exit code; never throws.
 */
export async function runComponent(
  name: string,
  build: (log: Logger, control: ComponentControl) => Component | Promise<Component>,
  options: RunOptions | (() => RunOptions) = {},
): Promise<number> {
  const log = createLogger(name);
  const lifecycle = new Lifecycle(name);
  // read after build: a command's options may come from the config its builder loads
  const option = <K extends keyof RunOptions>(key: K): RunOptions[K] => (typeof options === 'function' ? options() : options)[key];
  let component: Component | undefined;
  let beatTimer: NodeJS.Timeout | undefined;
  let finish: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => {
    finish = resolve;
  });

  const fail = (err: unknown, when: string): Promise<void> => {
    const code = isTradingError(err) ? err.code : ((err as NodeJS.ErrnoException | undefined)?.code ?? ErrorCode.INTERNAL);
    log.error(`${when}: ${describeError(err)}`);
    return report({ kind: 'failed', component: name, code: String(code), message: describeError(err) });
  };
  /** Set by control.fail: the stop that follows ends with a non-zero exit. */
  let failure: unknown;
  let failed = false;

  const stop = async (why: string): Promise<void> => {
    if (!lifecycle.canMoveTo('stopping')) return;
    lifecycle.moveTo('stopping');
    log.info('stopping', { reason: why });
    if (beatTimer !== undefined) clearInterval(beatTimer);
    const stopTimeoutMs = option('stopTimeoutMs') ?? 10_000;
    const timer = setTimeout(() => {
      log.error('stop timed out; exiting', { timeoutMs: stopTimeoutMs });
      finish(EXIT_FAILURE);
    }, stopTimeoutMs);
    timer.unref();
    try {
      await component?.stop();
      lifecycle.moveTo('stopped');
      log.info('stopped');
      finish(failed ? EXIT_FAILURE : EXIT_OK);
    } catch (err) {
      await fail(err, 'stop failed');
      finish(EXIT_FAILURE);
    } finally {
      clearTimeout(timer);
    }
  };

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      log.warn('second signal: exiting now', { signal });
      process.exit(EXIT_FAILURE);
    }
    void stop(signal);
  };
  const onMessage = (message: unknown): void => {
    if ((message as SupervisorCommand | undefined)?.kind === 'shutdown') void stop('supervisor');
  };
  // The supervisor going away (IPC channel closed) means nobody will ever stop us. Our
  // stdout and stderr were pipes to it: a log line written to them now fails with EPIPE,
  // which must not kill us before the stop has released what we hold (the orderbook's
  // shared memory, the order manager's log).
  const ignoreBrokenPipe = (): void => undefined;
  const onDisconnect = (): void => {
    process.stdout.on('error', ignoreBrokenPipe);
    process.stderr.on('error', ignoreBrokenPipe);
    void stop('supervisor gone');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('message', onMessage);
  process.on('disconnect', onDisconnect);

  const control: ComponentControl = {
    fail(err) {
      if (failed) return;
      failed = true;
      failure = err;
      // while starting, the start's own path reports it once start() returns
      if (lifecycle.state === 'running') void fail(err, 'failed').then(() => stop('failed'));
    },
  };

  try {
    lifecycle.moveTo('starting');
    component = await build(log, control);
    const details = await component.start();
    if (failed) throw failure;
    if (lifecycle.state !== 'starting') {
      // a stop arrived while starting: release what start acquired
      await component.stop();
    } else {
      lifecycle.moveTo('running');
      log.info('ready', details);
      void report({ kind: 'ready', component: name, details });
      if (process.send !== undefined) {
        beatTimer = setInterval(() => void report({ kind: 'beat', component: name, atMs: Date.now() }), BEAT_INTERVAL_MS);
        beatTimer.unref();
      }
    }
  } catch (err) {
    await fail(err, 'failed to start');
    if (lifecycle.canMoveTo('failed')) lifecycle.moveTo('failed');
    try {
      await component?.stop();
    } catch {
      // already reporting the start failure; a second error adds nothing
    }
    finish(exitCodeFor(err));
  }

  const code = await finished;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.off('message', onMessage);
  process.off('disconnect', onDisconnect);
  if (process.connected) process.disconnect();
  return code;
}
