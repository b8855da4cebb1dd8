/**
 * A backtest: the real processes on a recording, as fast as they go, the same fills every
 * run. At the supervisor's level: it starts the four components as `trading run` does,
 * with the gateway replaying the recording at max speed and every component in step
 * through the flow gate (shm/flow-gate.ts):
 *
 *   gateway --replay FILE --speed max ─TCP─► orderbook --gate ─shm book─► ordermanager --gate
 *                                      └TCP─► strategy --gate ──orders──►      │
 *                                                  ▲ ◄────── reports ──────────┘
 *                     the flow gate: written / done / requests, made, resting, matched
 *
 * What makes two runs of one recording give byte-identical trade logs: the gate (each
 * order executes against the book of the message that made it, the strategy sees every
 * report before its next message); market time in every clock (the strategy's nowNs and
 * order timestamps, the order manager's report and log timestamps and rate limiter); a
 * fixed order-id prefix; the strategy a proven identity (per-run credentials, as `trading run`
 * makes them), so its orders are logged under its name, not its connection's; a fresh trade log (execution ids from E1, on tmpfs: no disk sync
 * per order), copied to --trade-log at the end; no risk limit that
 * depends on the wall clock (the order rate is not limited; books never go stale on time).
 *
 * It ends when the strategy has finished the recording's last message and the order
 * manager is quiet, then stops everything (strategy first) and reads the trade log.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ErrorCode, TradingError, describeError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { FlowGate } from '../shm/flow-gate.js';
import { unlinkSegment } from '../shm/native.js';
import { KEPT_BY_SUPERVISOR_ENV, counterSegmentName, readSystemCounters, sampleKey } from '../metrics/index.js';
import { isStrategyPath } from '../strategy/strategy-module.js';
import { ManagedChild } from './managed-child.js';
import { RunCredentials } from '../session/run-credentials.js';
import { Recording } from '../protocol/recording-reader.js';
import { readMarketSeries, type MarketSeries } from '../replay/market-series.js';

export interface BacktestOptions {
  data: string;
  strategy: string;
  strategyConfig?: string;
  /** Where a copy of the run's trade log goes (replaced); the run's own is a temporary file. */
  tradeLog?: string;
  /** Order-id prefix (default "bt"). */
  sessionToken?: string;
  log: Logger;
  /** Passed on to every component's environment (tests). */
  env?: NodeJS.ProcessEnv;
  /** Stops the run early (a signal). */
  stopping?: AbortSignal;
}

export interface BacktestRun {
  market: MarketSeries;
  tradeLog: string;
  /** Wall time from the replay's start to the last message finished, s. */
  seconds: number;
  counters: Record<string, Record<string, number>>;
  /** A temporary folder of the run (the trade log unless --trade-log): the caller removes it. */
  scratch: string;
}

const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;
/** Progress checks of the run (the gate words), ms. */
const CHECK_INTERVAL_MS = 2;
/** No progress at all for this long: the run is stuck. */
const STALL_TIMEOUT_MS = 60_000;

/** Run the backtest; resolves once everything stopped. Throws with the reason when it cannot finish. */
export async function runBacktest(options: BacktestOptions): Promise<BacktestRun> {
  const { log } = options;
  const recording = Recording.open(options.data);
  if (recording.damage !== undefined) log.warn('recording damaged: backtesting up to its last good block', { reason: recording.damage.reason, offset: recording.damage.offset });
  const market = readMarketSeries(recording);
  const unique = `${process.pid}-${Date.now().toString(36)}`;
  const shm = `/ipct-bt-${unique}`;
  const gateName = `/ipct-btgate-${unique}`;
  // the order manager's log on tmpfs where there is one: a backtest needs no fdatasync per
  // order (it would cost a disk round trip on every order in flight); --trade-log gets a copy
  const scratch = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'ipct-backtest-'));
  const tradeLog = join(scratch, 'trades.log');
  const gate = FlowGate.create(gateName);
  let gatewayPort = 0;
  let orderManagerPort = 0;
  const env = { ...process.env, ...options.env };
  const credentials = new RunCredentials(['strategy']);
  await credentials.write();
  // the secret reaches the strategy in its environment, never argv; servers read --auth-file
  // the counters segments outlive the stop, so that the strategy's last counters are read after it (then removed)
  const envOf = (name: string): NodeJS.ProcessEnv => ({
    ...env,
    [KEPT_BY_SUPERVISOR_ENV]: '1',
    TRADING_AUTH_TOKEN: name === 'strategy' ? credentials.secret('strategy') : undefined,
  });
  const child = (name: string, args: () => string[]): ManagedChild => {
    const managed = new ManagedChild({ name, args, readyTimeoutMs: READY_TIMEOUT_MS, stopTimeoutMs: STOP_TIMEOUT_MS, env: envOf(name) });
    managed.on('line', (line) => process.stderr.write(line.endsWith('\n') ? line : `${line}\n`));
    return managed;
  };
  const gatewayAddress = (): string => `127.0.0.1:${gatewayPort}`;
  const children = {
    // the replay gateway takes the run's credentials as the live one does: the strategy proves its identity to both;
    // its counters segment is named after the backtest's, never a live system's default (and is removed with the others)
    gateway: child('gateway', () => [
      '--port', '0', '--shm', shm, '--replay', recording.path, '--speed', 'max', '--wait-for-hellos', '2', '--max-backlog-bytes', String(64 * 1024 * 1024), '--auth-file', credentials.authFile,
    ]),
    orderbook: child('orderbook', () => ['--gateway', gatewayAddress(), '--shm', shm, '--symbols', market.symbols.join(','), '--gate', gateName]),
    ordermanager: child('ordermanager', () => [
      '--port', '0', '--shm', shm, '--trade-log', tradeLog, '--gate', gateName, '--auth-file', credentials.authFile,
      '--orders-per-second', '1000000000', '--order-burst', '1000000000', '--book-max-age-ms', '60000',
    ]),
    strategy: child('strategy', () => [
      '--gateway', gatewayAddress(), '--order-manager', `127.0.0.1:${orderManagerPort}`, '--shm', shm, '--gate', gateName,
      '--strategy', isStrategyPath(options.strategy) ? resolve(options.strategy) : options.strategy,
      ...(options.strategyConfig === undefined ? [] : ['--strategy-config', resolve(options.strategyConfig)]),
      '--session-token', options.sessionToken ?? 'bt', '--book-max-age-ms', '60000', '--gateway-timeout-ms', '0',
    ]),
  };
  const started: ManagedChild[] = [];
  let failure: string | undefined;
  const onExit = (name: string) => (exit: { expected: boolean; afterReady: boolean; code: number | null; signal: string | null }): void => {
    if (!exit.expected && exit.afterReady) failure ??= `${name} exited (${exit.code ?? exit.signal}) during the backtest`;
  };
  let seconds = 0;
  let sentRequests: number;
  const strategyCounters: Record<string, number> = {};
  try {
    const gatewayReady = await children.gateway.start();
    started.push(children.gateway);
    children.gateway.on('exit', onExit('gateway'));
    gatewayPort = Number(gatewayReady['port']);
    await children.orderbook.start();
    started.push(children.orderbook);
    children.orderbook.on('exit', onExit('orderbook'));
    const omReady = await children.ordermanager.start();
    started.push(children.ordermanager);
    children.ordermanager.on('exit', onExit('ordermanager'));
    orderManagerPort = Number(omReady['port']);
    const startMs = performance.now();
    await children.strategy.start();
    started.push(children.strategy);
    children.strategy.on('exit', onExit('strategy'));
    log.info('backtest running', { data: recording.path, ticks: market.ticks, symbols: market.symbols.join(','), strategy: options.strategy });
    // the end: the strategy finished the last message and the order manager is quiet
    let lastDone = -1;
    let lastProgressMs = performance.now();
    for (;;) {
      if (failure !== undefined) throw new TradingError(ErrorCode.BACKTEST_FAILED, failure);
      if (options.stopping?.aborted === true) throw new TradingError(ErrorCode.BACKTEST_FAILED, `stopped: ${String(options.stopping.reason)}`);
      const done = gate.done;
      if (done >= market.lastSequence && gate.orderManagerCaughtUp()) break;
      const now = performance.now();
      if (done !== lastDone) {
        lastDone = done;
        lastProgressMs = now;
      } else if (now - lastProgressMs > STALL_TIMEOUT_MS) {
        throw new TradingError(ErrorCode.BACKTEST_FAILED, `no progress for ${STALL_TIMEOUT_MS / 1000} s at sequence ${done} of ${market.lastSequence}`);
      }
      await new Promise((resolveWait) => setTimeout(resolveWait, CHECK_INTERVAL_MS));
    }
    seconds = (performance.now() - startMs) / 1000;
  } catch (err) {
    failure ??= describeError(err);
  } finally {
    // strategy first (no new orders), then the orderbook, the order manager (log synced), the gateway
    const stopOrder = [children.strategy, children.orderbook, children.ordermanager, children.gateway].filter((c) => started.includes(c));
    for (const managed of stopOrder) {
      try {
        await managed.stop();
      } catch (err) {
        log.warn('component did not stop cleanly', { component: managed.spec.name, error: describeError(err) });
      }
    }
    sentRequests = gate.sent;
    for (const sample of readSystemCounters(shm, ['strategy'])[0]?.counters ?? []) strategyCounters[sampleKey(sample)] = sample.value;
    for (const name of ['gateway', 'orderbook', 'ordermanager', 'strategy']) {
      try {
        unlinkSegment(counterSegmentName(shm, name));
      } catch {
        // that component published none
      }
    }
    gate.close();
    credentials.remove();
    try {
      unlinkSegment(shm);
    } catch {
      // the orderbook removed it
    }
  }
  if (failure !== undefined) {
    rmSync(scratch, { recursive: true, force: true });
    // a bad strategy module or option is the user's to fix (exit 2); anything else is a failed run
    if (/E_CONFIG_INVALID/.test(failure)) throw new TradingError(ErrorCode.CONFIG_INVALID, failure.replace(/^E_CONFIG_INVALID: /, ''));
    throw new TradingError(ErrorCode.BACKTEST_FAILED, `backtest failed: ${failure.replace(/^E_BACKTEST_FAILED: /, '')}`);
  }
  // orders and cancels the strategy sent, as the flow gate counted them
  const counters: Record<string, Record<string, number>> = { ordermanager: { orders: sentRequests }, strategy: strategyCounters };
  if (!existsSync(tradeLog)) throw new TradingError(ErrorCode.BACKTEST_FAILED, `backtest failed: the order manager left no trade log at ${tradeLog}`);
  if (options.tradeLog !== undefined) copyFileSync(tradeLog, resolve(options.tradeLog));
  return { market, tradeLog, seconds, counters, scratch };
}
