/**
 * One way to be a `trading` command. Every subcommand's `main` is made here, so all of
 * them behave the same:
 *
 *   -h / --help            the options, generated from the schema; exit 0
 *   a bad flag or value    every problem at once, one E_CONFIG_INVALID error; exit 2
 *   (a component also reports it to the supervisor: config is loaded inside the harness)
 *   start → one `ready` line (and a `ready` report to the supervisor) → serve
 *   SIGINT / SIGTERM       graceful stop; a second signal exits at once
 *   context.fail(error)    stop with the error's code and a non-zero exit
 *   a stale native addon   E_ADDON_STALE before anything starts; exit 1 (core/native-addon.ts)
 *
 * Two shapes:
 *
 *   componentCommand  a long-running process (gateway, orderbook, ...): give it a
 *                     `component` builder; core/runtime.ts runs the lifecycle.
 *   taskCommand       a command that runs to an end (run, bench, ...): give it a `task`;
 *                     `context.stopping` aborts on the first signal.
 *
 * Adding a command (the README's "Adding a command" says the same):
 *
 *   // src/stat/main.ts
 *   export const statSchema = { shm: commonFields.shm(), ... } as const satisfies Schema;
 *   export const main = componentCommand({
 *     name: 'stat',
 *     schema: statSchema,
 *     settle: (config, problems) => ({ ...config }),   // optional: cross-field checks
 *     component: (settings, { log, fail }) => new Stat(settings, log, fail),
 *   });
 *
 * then one line in src/cli.ts's COMMANDS. Nothing else parses argv.
 */
import { configError, describeSchema, loadConfig, wantsHelp, type ConfigOf, type Schema } from '../config/schema.js';
import { ErrorCode, describeError, isTradingError } from '../core/errors.js';
import { createLogger, type Logger } from '../core/log.js';
import { loadNativeAddon } from '../core/native-addon.js';
import { EXIT_FAILURE, EXIT_USAGE, runComponent, type Component, type RunOptions } from '../core/runtime.js';

/** A subcommand's entry point: its arguments (after the subcommand) in, its exit code out. */
export type CommandMain = (argv: string[]) => Promise<number>;

interface CommandSpec<S extends Schema, T> {
  /** The subcommand, also the component's name in logs and reports. */
  name: string;
  schema: S;
  /**
   * What the schema cannot say on its own (a field needed only with another, a value
   * parsed further) and the settings the command runs with. Push each problem as
   * `--flag: what is wrong`; they are reported together, in the one error format.
   * Without it the settings are the config itself.
   */
  settle?: (config: ConfigOf<S>, problems: string[]) => T;
  /** Text shown after the options by --help. */
  helpFooter?: () => string;
  /** The flag naming a JSON config file (default `config`; '' = none). */
  configFlag?: string;
  env?: NodeJS.ProcessEnv;
}

export interface ComponentContext {
  log: Logger;
  /** Stop the component with this error's code and a non-zero exit (see ComponentControl). */
  fail(error: unknown): void;
}

export interface ComponentCommandSpec<S extends Schema, T> extends CommandSpec<S, T> {
  component: (settings: T, context: ComponentContext) => Component | Promise<Component>;
  /** Harness options that depend on the settings (counters interval, ...). */
  runOptions?: (settings: T) => RunOptions;
}

export interface TaskContext {
  log: Logger;
  /** Aborts on the first SIGINT, SIGTERM or SIGHUP (its reason: the signal's name). */
  stopping: AbortSignal;
  /** Run before the process exits on a second signal (kill children, remove files). */
  onForcedExit(cleanup: () => void): void;
}

export interface TaskCommandSpec<S extends Schema, T> extends CommandSpec<S, T> {
  /** Do the work; resolves with the exit code. A thrown error is one line and exit 1. */
  task: (settings: T, context: TaskContext) => Promise<number>;
}

/** Exit code after a second signal (128 + SIGINT). */
export const EXIT_FORCED = 130;

function helpText<S extends Schema, T>(spec: CommandSpec<S, T>): string {
  const footer = spec.helpFooter?.();
  return describeSchema(spec.name, spec.schema, spec.configFlag ?? 'config') + (footer === undefined ? '' : `\n\n${footer}`);
}

/** argv → settings; throws E_CONFIG_INVALID naming every problem. */
export function loadSettings<S extends Schema, T = ConfigOf<S>>(spec: CommandSpec<S, T>, argv: readonly string[]): T {
  const { config } = loadConfig(spec.schema, { argv, configFlag: spec.configFlag ?? 'config', ...(spec.env === undefined ? {} : { env: spec.env }) });
  if (spec.settle === undefined) return config as T;
  const problems: string[] = [];
  const settings = spec.settle(config, problems);
  if (problems.length > 0) throw configError(problems);
  return settings;
}

/** A long-running component: config loaded inside the harness, so a bad one reaches the supervisor. */
export function componentCommand<S extends Schema, T = ConfigOf<S>>(spec: ComponentCommandSpec<S, T>): CommandMain {
  return async (argv) => {
    if (wantsHelp(argv)) {
      process.stdout.write(`${helpText(spec)}\n`);
      return 0;
    }
    let options: RunOptions = {};
    return runComponent(
      spec.name,
      (log, control) => {
        loadNativeAddon();
        const settings = loadSettings(spec, argv);
        options = spec.runOptions?.(settings) ?? {};
        return spec.component(settings, { log, fail: (error) => control.fail(error) });
      },
      () => options,
    );
  };
}

/** A command that runs to an end; it has no supervisor to report to. */
export function taskCommand<S extends Schema, T = ConfigOf<S>>(spec: TaskCommandSpec<S, T>): CommandMain {
  return async (argv) => {
    if (wantsHelp(argv)) {
      process.stdout.write(`${helpText(spec)}\n`);
      return 0;
    }
    const log = createLogger(spec.name);
    const stop = new AbortController();
    const cleanups: (() => void)[] = [];
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals): void => {
      signals += 1;
      if (signals === 1) {
        stop.abort(signal);
        return;
      }
      log.warn('second signal: exiting now', { signal });
      for (const cleanup of cleanups) cleanup();
      process.exit(EXIT_FORCED);
    };
    try {
      loadNativeAddon();
      const settings = loadSettings(spec, argv);
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      process.on('SIGHUP', onSignal);
      return await spec.task(settings, { log, stopping: stop.signal, onForcedExit: (cleanup) => cleanups.push(cleanup) });
    } catch (err) {
      process.stderr.write(`trading ${spec.name}: ${describeError(err)}\n`);
      return isTradingError(err) && err.code === ErrorCode.CONFIG_INVALID ? EXIT_USAGE : EXIT_FAILURE;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('SIGHUP', onSignal);
    }
  };
}
