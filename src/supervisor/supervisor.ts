/**
 * `trading run`: the whole system as child processes of one supervisor.
 *
 * Start order follows the data: gateway (the market), orderbook (creates the shared book),
 * ordermanager (reads the book), strategy (needs all three). Each is started only once the
 * previous one has said it is ready. Stop order is the reverse of the flow of orders:
 * strategy first (no new orders), orderbook, ordermanager (its log flushed and synced),
 * gateway last. A crashed component is restarted with backoff while the others carry on;
 * a crash loop stops the system with the reason. The shared memory is removed on every
 * way out, and so are the components' counters segments, once the summary has read them.
 *
 * Credentials: every run makes fresh secrets for its clients (strategy, orderbook, and the
 * dashboard's gateway client, which runs in this process) and an
 * auth file of their hashes for its servers (session/run-credentials.ts), removed at the
 * end: the children prove who they are, a stranger cannot take their identity, and the
 * servers still take anonymous clients on loopback (a seed client trades as before).
 */
import { busArgs, parseBusOptions } from '../bus/bus-config.js';
import { resolve } from 'node:path';
import { toArgs, type ConfigOf } from '../config/schema.js';
import { isStrategyPath } from '../strategy/strategy-module.js';
import { ErrorCode, TradingError, describeError } from '../core/errors.js';
import type { LogFields, Logger } from '../core/log.js';
import { samplePartsOf } from '../dashboard/counters-health.js';
import type { ComponentSample } from '../dashboard/health.js';
import { gatewaySchema } from '../gateway/gateway-config.js';
import { orderbookSchema } from '../orderbook/orderbook-config.js';
import { orderManagerSchema } from '../ordermanager/ordermanager-config.js';
import { STRATEGY_PROCESS_SCHEMA } from '../strategy/strategy-config.js';
import { startMetricsServer, type MetricsServer } from '../metrics/metrics-server.js';
import { KEPT_BY_SUPERVISOR_ENV, counterSegmentName, histogramQuantile, readSystemCounters, sampleValue, tryOpenCounters, type ComponentSnapshot } from '../metrics/index.js';
import { progressBar, type Display } from './display.js';
import { ManagedChild, type ChildExit } from './managed-child.js';
import { RestartPolicy } from './restart-policy.js';
import type { runSchema } from './run-config.js';
import { RunCredentials } from '../session/run-credentials.js';
import { buildSummary, type RunSummary } from './summary.js';

export type RunConfig = ConfigOf<typeof runSchema>;

/** What the supervisor needs from the shared-memory layer. */
export interface SharedMemoryOps {
  exists(name: string): boolean;
  /** Remove the name; no error if it is already gone. */
  remove(name: string): void;
}

export interface SupervisorOptions {
  config: RunConfig;
  log: Logger;
  display: Display;
  sharedMemory: SharedMemoryOps;
  /** Extra environment for the children (tests). */
  env?: NodeJS.ProcessEnv;
  readyTimeoutMs?: number;
  stopTimeoutMs?: number;
  /**
   * Called once every component is ready, before the ready line, with the ports bound; its
   * fields join that line (the dashboard's URL). A failure is logged and the run goes on.
   */
  onReady?: (endpoints: { gatewayPort: number; orderManagerPort: number }) => Promise<LogFields>;
  /** Called once as the stop begins, before any component is stopped (never throws). */
  onStopping?: () => Promise<void>;
  /** With --replay: the recording's symbols (the orderbook makes their slots before the replay starts). */
  replaySymbols?: readonly string[];
}

/** After a replay served its last frame, the run goes on this long (the last ticks' orders and reports), ms. */
const REPLAY_END_GRACE_MS = 1_000;

export const START_ORDER = ['gateway', 'orderbook', 'ordermanager', 'strategy'] as const;
export const STOP_ORDER = ['strategy', 'orderbook', 'ordermanager', 'gateway'] as const;
export type ComponentName = (typeof START_ORDER)[number];

export interface RunOutcome {
  exitCode: number;
  reason: string;
  summary: RunSummary;
}

export class Supervisor {
  readonly #options: SupervisorOptions;
  readonly #children = new Map<ComponentName, ManagedChild>();
  readonly #policies = new Map<ComponentName, RestartPolicy>();
  readonly #restartTimers = new Set<NodeJS.Timeout>();
  readonly #lastBeatMs = new Map<ComponentName, number>();
  readonly #unresponsive = new Set<ComponentName>();
  readonly #credentials = new RunCredentials(['strategy', 'orderbook', 'dashboard']);
  #gatewayPort: number;
  #orderManagerPort: number;
  /** Market data per second, from the last two progress reads of the gateway's counter. */
  #ticksPerSecond = 0;
  #stopping = false;
  #startedMs = 0;
  #stopRequested: (reason: { exitCode: number; reason: string }) => void = () => undefined;
  /** How each component's last process ended. */
  readonly #health = new Map<ComponentName, string>();
  /** The previous progress sample, for rates. */
  #lastProgress: { atMs: number; marketData: number } | undefined;

  constructor(options: SupervisorOptions) {
    this.#options = options;
    this.#gatewayPort = options.config.gatewayPort;
    this.#orderManagerPort = options.config.orderManagerPort;
    for (const name of START_ORDER) {
      this.#children.set(name, this.#makeChild(name));
      this.#policies.set(name, new RestartPolicy({ maxCrashesPerWindow: options.config.maxRestarts }));
    }
  }

  /** The child of a component (tests inject faults through it). */
  child(name: ComponentName): ManagedChild {
    const child = this.#children.get(name);
    if (child === undefined) throw new TradingError(ErrorCode.INTERNAL, `no component ${name}`);
    return child;
  }

  /** Ask the running system to stop (signal, duration, tests). */
  requestStop(reason: string, exitCode = 0): void {
    this.#stopRequested({ exitCode, reason });
  }

  /** Start everything, run until asked to stop, stop everything; never throws. */
  async run(): Promise<RunOutcome> {
    const { config, log, sharedMemory } = this.#options;
    this.#startedMs = performance.now();
    const stopped = new Promise<{ exitCode: number; reason: string }>((resolve) => {
      this.#stopRequested = resolve;
    });
    let outcome: { exitCode: number; reason: string };
    // The name is ours to remove only once we know nobody else holds it.
    let ownsSharedMemory = false;
    let metricsServer: MetricsServer | undefined;
    try {
      if (sharedMemory.exists(config.shm)) {
        throw new TradingError(
          ErrorCode.SHM_EXISTS,
          `shared memory ${config.shm} already exists: another system may be running with it; stop it, or pick another name with --shm, or remove the stale one with rm /dev/shm${config.shm}`,
        );
      }
      this.#clearStaleCounters();
      ownsSharedMemory = true;
      await this.#credentials.write();
      for (const name of START_ORDER) await this.#start(name);
      metricsServer = await this.#startMetricsServer();
      const extra = await this.#onReady();
      log.info('system ready', { gatewayPort: this.#gatewayPort, orderManagerPort: this.#orderManagerPort, shm: config.shm, metricsPort: metricsServer?.port, ...extra });
      const progress = setInterval(() => this.#showProgress(), config.progressIntervalMs);
      const liveness = setInterval(() => this.#checkLiveness(), Math.min(500, config.livenessTimeoutMs / 3));
      const duration = config.duration > 0 ? setTimeout(() => this.requestStop(`duration of ${config.duration} s reached`), config.duration * 1000) : undefined;
      outcome = await stopped;
      clearInterval(progress);
      clearInterval(liveness);
      if (duration !== undefined) clearTimeout(duration);
    } catch (err) {
      outcome = { exitCode: 1, reason: describeError(err) };
    }
    this.#stopping = true;
    for (const timer of this.#restartTimers) clearTimeout(timer);
    this.#options.display.finish();
    log.info('stopping system', { reason: outcome.reason });
    await this.#options.onStopping?.().catch((err: unknown) => log.warn('stop hook failed', { error: describeError(err) }));
    await this.#stopAll();
    await metricsServer?.close();
    this.#credentials.remove();
    try {
      if (ownsSharedMemory) sharedMemory.remove(config.shm);
    } catch (err) {
      log.error('could not remove shared memory', { shm: config.shm, error: describeError(err) });
      if (outcome.exitCode === 0) outcome = { exitCode: 1, reason: `could not remove shared memory ${config.shm}` };
    }
    const snapshots = ownsSharedMemory ? readSystemCounters(config.shm) : [];
    const summary = buildSummary({
      elapsedMs: performance.now() - this.#startedMs,
      reason: outcome.reason,
      exitCode: outcome.exitCode,
      components: START_ORDER.map((name) => {
        const child = this.child(name);
        return {
          name,
          restarts: Math.max(0, child.starts - 1),
          health: this.#health.get(name) ?? (child.starts === 0 ? 'not started' : child.state),
          snapshot: snapshots.find((s) => s.component === name),
        };
      }),
    });
    if (ownsSharedMemory) {
      try {
        this.removeCounters();
      } catch (err) {
        log.error('could not remove a counters segment', { shm: config.shm, error: describeError(err) });
      }
    }
    return { ...outcome, summary };
  }

  /**
   * Each component as the dashboard shows it: state, pid, starts and its latest counters,
   * read from its counters segment, under the names the dashboard's health view reads
   * (cpu_ms, rss_mb, market_data_per_s, rejects.<CODE>, <latency>_count/_p50_us/_p99_us).
   */
  componentSamples(): ComponentSample[] {
    const snapshots = this.counters();
    const nowMs = performance.now();
    const nowEpochMs = Date.now();
    return START_ORDER.map((name) => {
      const child = this.child(name);
      const snapshot = snapshots.find((s) => s.component === name);
      return {
        name,
        state: child.state,
        pid: child.pid,
        starts: child.starts,
        counters: snapshot === undefined ? {} : this.#dashboardCounters(snapshot),
        histograms: snapshot === undefined ? undefined : samplePartsOf(snapshot, nowMs, nowEpochMs).histograms,
        // the segment stamps its last publish in epoch ms; the dashboard compares monotonic ms
        countersAtMs: snapshot === undefined || snapshot.publishedMs === 0 ? undefined : nowMs - (nowEpochMs - snapshot.publishedMs),
      };
    });
  }

  #dashboardCounters(snapshot: ComponentSnapshot): Record<string, number> {
    const counters: Record<string, number> = {};
    for (const sample of snapshot.counters) {
      if (sample.labels.code !== undefined) counters[`rejects.${sample.labels.code}`] = sample.value;
      else if (sample.labels.symbol === undefined) counters[sample.name] = sample.value;
    }
    counters['cpu_ms'] = Math.round(sampleValue(snapshot, 'process_cpu_seconds') * 1000);
    counters['rss_mb'] = Math.round(sampleValue(snapshot, 'process_resident_memory_bytes') / 1048576);
    if (snapshot.component === 'gateway') counters['market_data_per_s'] = Math.round(this.#ticksPerSecond);
    for (const histogram of snapshot.histograms) {
      counters[`${histogram.name}_count`] = histogram.count;
      counters[`${histogram.name}_p50_us`] = Math.round(histogramQuantile(histogram, 0.5));
      counters[`${histogram.name}_p99_us`] = Math.round(histogramQuantile(histogram, 0.99));
    }
    return counters;
  }

  async #onReady(): Promise<LogFields> {
    const hook = this.#options.onReady;
    if (hook === undefined) return {};
    try {
      return await hook({ gatewayPort: this.#gatewayPort, orderManagerPort: this.#orderManagerPort });
    } catch (err) {
      this.#options.log.warn('ready hook failed; running without it', { error: describeError(err) });
      return {};
    }
  }

  /** /metrics for every component (--metrics-port; -1 = none). A port that cannot be bound is logged, not fatal. */
  async #startMetricsServer(): Promise<MetricsServer | undefined> {
    const { config, log } = this.#options;
    if (config.metricsPort < 0) return undefined;
    try {
      return await startMetricsServer({ port: config.metricsPort, collect: () => this.counters() });
    } catch (err) {
      log.warn('/metrics not served: the system runs without it', { error: describeError(err) });
      return undefined;
    }
  }

  /** The components' counters, as `trading stat` would read them now. */
  counters(): ComponentSnapshot[] {
    return readSystemCounters(this.#options.config.shm);
  }

  /** Remove every component's counters segment (after the summary read them, or on a forced exit). */
  removeCounters(): void {
    for (const name of START_ORDER) this.#options.sharedMemory.remove(counterSegmentName(this.#options.config.shm, name));
  }

  /**
   * Counters left by an earlier system with this --shm whose processes are gone would be
   * continued by ours: remove them. A live writer's segment means that system still runs.
   */
  #clearStaleCounters(): void {
    const { config, sharedMemory } = this.#options;
    for (const name of START_ORDER) {
      const segment = counterSegmentName(config.shm, name);
      const reader = tryOpenCounters(segment);
      if (reader === undefined) continue;
      let alive: boolean;
      try {
        alive = reader.snapshot().alive;
      } finally {
        reader.close();
      }
      if (alive) {
        throw new TradingError(ErrorCode.SHM_EXISTS, `counters segment ${segment} belongs to a running ${name}: another system may be running with --shm ${config.shm}`);
      }
      sharedMemory.remove(segment);
    }
  }

  /** Stop every component in STOP_ORDER, killing what does not stop in time. */
  async #stopAll(): Promise<void> {
    for (const name of STOP_ORDER) {
      const child = this.child(name);
      if (child.state === 'idle' || child.state === 'exited') continue;
      const exit = await child.stop();
      this.#health.set(name, describeExit(exit));
      this.#options.log.info('component stopped', { component: name, code: exit.code ?? undefined, signal: exit.signal ?? undefined });
    }
  }

  /** Kill everything now (second Ctrl+C). */
  forceKill(): void {
    for (const child of this.#children.values()) child.kill('SIGKILL');
  }

  async #start(name: ComponentName): Promise<void> {
    const child = this.child(name);
    this.#policies.get(name)?.started(performance.now());
    const details = await child.start();
    this.#lastBeatMs.set(name, performance.now());
    this.#unresponsive.delete(name);
    if (name === 'gateway' && typeof details['port'] === 'number') this.#gatewayPort = details['port'];
    if (name === 'ordermanager' && typeof details['port'] === 'number') this.#orderManagerPort = details['port'];
    this.#options.log.info('component ready', { component: name, pid: child.pid, ...details });
  }

  #makeChild(name: ComponentName): ManagedChild {
    const { config } = this.#options;
    const gateway = (): string => `${config.host}:${this.#gatewayPort}`;
    // on the bus every component takes the same flags; the password goes by environment only
    const bus = parseBusOptions(config, 'run');
    const onBus = busArgs(bus);
    const orderManager = (): string => `${config.host}:${this.#orderManagerPort}`;
    // Restarts reuse the ports first bound, so that clients reconnect to the same address.
    const serverSession = (): { authFile: string; noAnonymous: boolean; insecure: boolean } => ({
      authFile: this.#credentials.authFile,
      noAnonymous: config.noAnonymous,
      insecure: config.insecure,
    });
    // --replay: the gateway serves the recording once the orderbook and the strategy said HELLO
    const market = config.replay === undefined
      ? { seed: config.seed, symbols: config.symbols, rate: config.rate }
      : { replay: resolve(config.replay), speed: config.speed, loop: config.loop, waitForHellos: 2 };
    const replaySymbols = this.#options.replaySymbols;
    const args: Record<ComponentName, () => string[]> = {
      gateway: () =>
        toArgs(gatewaySchema, { host: config.host, port: this.#gatewayPort, shm: config.shm, ...market, ...serverSession(), keepWarmMs: config.keepWarmMs }).concat(onBus),
      orderbook: () =>
        toArgs(orderbookSchema, {
          gateway: gateway(),
          shm: config.shm,
          replaceStale: true,
          ...(replaySymbols === undefined ? {} : { symbols: replaySymbols.join(',') }),
        }).concat(onBus),
      ordermanager: () =>
        toArgs(orderManagerSchema, {
          host: config.host,
          port: this.#orderManagerPort,
          shm: config.shm,
          tradeLog: config.tradeLog,
          ...serverSession(),
          keepWarmMs: config.keepWarmMs,
        }).concat(onBus),
      strategy: () =>
        toArgs(STRATEGY_PROCESS_SCHEMA, {
          gateway: gateway(),
          orderManager: orderManager(),
          shm: config.shm,
          strategy: strategyArgument(config.strategy),
          strategyConfig: config.strategyConfig === undefined ? undefined : resolve(config.strategyConfig),
          bookWaitUs: config.bookWaitUs,
          bookSource: config.bookSource,
          keepWarmMs: config.keepWarmMs,
          // a replay starts on the strategy's HELLO: its orders must be able to go by then
          orderManagerFirst: config.replay !== undefined,
        }).concat(onBus),
    };
    const child = new ManagedChild({
      name,
      args: args[name],
      readyTimeoutMs: this.#options.readyTimeoutMs ?? 15_000,
      stopTimeoutMs: this.#options.stopTimeoutMs ?? 5_000,
      // the counters segments outlive a graceful stop: the summary reads them, then we remove them
      env: { ...process.env, ...this.#options.env, [KEPT_BY_SUPERVISOR_ENV]: '1', ...this.#clientEnv(name), ...(bus?.password === undefined ? {} : { TRADING_BUS_PASSWORD: bus.password }) },
    });
    child.on('line', (line) => this.#options.display.line(line));
    child.on('beat', () => this.#lastBeatMs.set(name, performance.now()));
    child.on('finished', (reason: string) => {
      this.#options.log.info(`${name}: ${reason}; stopping in ${REPLAY_END_GRACE_MS} ms`, { component: name });
      setTimeout(() => this.requestStop(reason), REPLAY_END_GRACE_MS).unref();
    });
    child.on('problem', (problem) => {
      if (problem !== '') this.#options.log.error(`${name}: ${problem}`, { component: name });
    });
    child.on('exit', (exit) => {
      this.#health.set(name, describeExit(exit));
      this.#onExit(name, exit);
    });
    return child;
  }

  /** The dashboard's secret (it runs in this process): the gateway serves it under --no-anonymous too. */
  get dashboardSecret(): string {
    return this.#credentials.secret('dashboard');
  }

  /** A client's secret goes in its environment (never on a command line anyone can read). */
  #clientEnv(name: ComponentName): NodeJS.ProcessEnv {
    if (name === 'strategy' || name === 'orderbook') return { TRADING_AUTH_TOKEN: this.#credentials.secret(name) };
    // servers read --auth-file; a TRADING_AUTH_TOKEN of the user's shell means nothing to them
    return { TRADING_AUTH_TOKEN: undefined };
  }

  #onExit(name: ComponentName, exit: ChildExit): void {
    // A start that fails is told by start()'s rejection (run() or the restart below), once.
    if (exit.expected || !exit.afterReady || this.#stopping) return;
    const { log } = this.#options;
    const how = exit.signal !== null ? `signal ${exit.signal}` : `code ${exit.code}`;
    const decision = this.#policies.get(name)?.crashed(performance.now()) ?? { restart: false, reason: 'no policy' };
    if (!decision.restart) {
      const last = this.child(name).lastFailure;
      log.error('component keeps crashing; stopping the system', { component: name, reason: decision.reason, lastError: last });
      this.requestStop(`${name} ${decision.reason}${last !== undefined ? ` (last: ${name}: ${last})` : ''}`, 1);
      return;
    }
    log.warn('component crashed; restarting', { component: name, exit: how, delayMs: decision.delayMs });
    const timer = setTimeout(() => {
      this.#restartTimers.delete(timer);
      if (this.#stopping) return;
      this.#start(name).catch((err: unknown) => {
        log.error(`${name}: restart failed: ${err instanceof Error ? err.message : describeError(err)}`, { component: name });
        if (!this.#stopping) this.#onExit(name, { code: 1, signal: null, expected: false, afterReady: true });
      });
    }, decision.delayMs);
    this.#restartTimers.add(timer);
  }

  /**
   * Liveness. Every component heartbeats (its counters, once a second, over IPC); one that
   * stays silent past livenessTimeoutMs while running (stopped by SIGSTOP, an event loop
   * blocked) is shown as unresponsive, killed and restarted like a crashed one.
   */
  #checkLiveness(): void {
    if (this.#stopping) return;
    const nowMs = performance.now();
    const timeoutMs = this.#options.config.livenessTimeoutMs;
    for (const name of START_ORDER) {
      const child = this.child(name);
      if (child.state !== 'running' || this.#unresponsive.has(name)) continue;
      const silentMs = nowMs - (this.#lastBeatMs.get(name) ?? nowMs);
      if (silentMs < timeoutMs) continue;
      this.#unresponsive.add(name);
      this.#options.log.error(`${name}: unresponsive (no heartbeat for ${Math.round(silentMs)} ms); replacing it`, { component: name, pid: child.pid, timeoutMs });
      child.kill('SIGKILL');
    }
  }

  #showProgress(): void {
    const { config, display } = this.#options;
    const now = performance.now();
    const snapshots = this.counters();
    const of = (name: ComponentName): ComponentSnapshot | undefined => snapshots.find((s) => s.component === name);
    const om = of('ordermanager');
    const marketData = sampleValue(of('gateway'), 'market_data_sent');
    const last = this.#lastProgress;
    const ticksPerSecond = last !== undefined && now > last.atMs ? ((marketData - last.marketData) * 1000) / (now - last.atMs) : 0;
    this.#lastProgress = { atMs: now, marketData };
    this.#ticksPerSecond = Math.max(0, ticksPerSecond);
    const health = START_ORDER.map((name) => {
      const child = this.child(name);
      const mark = this.#unresponsive.has(name)
        ? 'unresponsive'
        : child.state !== 'running'
          ? child.state
          : child.problem !== ''
            ? child.problem.split(' (')[0]
            : 'up';
      const restarts = child.starts - 1;
      return `${name}:${mark}${restarts > 0 ? `(${restarts}↻)` : ''}`;
    }).join(' ');
    const text =
      `${progressBar(now - this.#startedMs, config.duration * 1000)} ` +
      `ticks/s ${Math.max(0, ticksPerSecond).toFixed(0)} ` +
      `orders ${sampleValue(om, 'orders')} fills ${sampleValue(om, 'fills')} ` +
      `rejects ${sampleValue(om, 'rejects')} pos ${sampleValue(om, 'position_abs_shares')} ` +
      `pnl ${(sampleValue(om, 'realized_pnl') + sampleValue(om, 'unrealized_pnl')).toFixed(2)} | ${health}`;
    display.status(text, now);
  }
}

/** "ok" for a clean exit, else how it ended. */
function describeExit(exit: ChildExit): string {
  if (exit.signal !== null) return `signal ${exit.signal}`;
  return exit.code === 0 ? 'ok' : `exit ${exit.code}`;
}

/** A strategy module's path made absolute (the child may not share our idea of '.'). */
function strategyArgument(strategy: string): string {
  return isStrategyPath(strategy) ? resolve(strategy) : strategy;
}
