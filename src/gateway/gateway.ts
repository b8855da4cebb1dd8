/**
 * The gateway: the seeded market model driven by a clock and fanned out to every client
 * over a FrameServer.
 *
 * - Every client starts in the seed's JSON and needs to send nothing: a seed client
 *   connects and reads. Who gets the stream, and binary after a HELLO: gateway-admission.ts.
 *   Anything else a client sends is ignored, and a frame or payload our decoders refuse
 *   closes that client only, with an error frame.
 * - Each round sends one MARKET_DATA per symbol (the seed's "every symbol every 100 ms" at
 *   the default rate of 10); news comes every newsIntervalSeconds. Every message carries
 *   the next number of one gateway-wide `sequence` (a client that is never conflated sees
 *   no gaps) and `sentNs`, the monotonic clock when its round was sent (tick-to-trade
 *   starts there). One clock read per round: reading it allocates, and every message of a
 *   round leaves in the same event-loop turn anyway.
 * - A message is encoded once per payload kind in use, into one reusable buffer per kind,
 *   and copied into each client's bounded queue: no allocation per message and client for
 *   binary MARKET_DATA.
 * - Slow clients: the FrameServer bounds each client's backlog (maxBacklogBytes) and
 *   applies the policy, by default `conflate`: past the bound a client gets only the
 *   latest book of each symbol (and the latest news) until it has caught up, so its memory
 *   stays bounded and nobody else waits for it. `disconnect` drops it instead
 *   (E_SLOW_CONSUMER). Both are logged per episode and counted in slow_consumer_events.
 * - `rate: 'max'` streams as fast as the fastest client reads: a batch of rounds per
 *   event-loop turn (bounded in bytes, so one turn never fills a backlog on its own),
 *   then setImmediate so the loop keeps serving I/O and timers; no batch while every
 *   client that is not conflating has a backlog above a high-water mark, or when no client
 *   is connected. Market time then follows the wall clock, spread over the rounds sent.
 */
import { encodePayloadCopy } from '../protocol/encoded-copy.js';
import { describeSymbols } from '../core/symbol-list.js';
import { BusConnection } from '../bus/bus-connection.js';
import { describeBus, type BusOptions } from '../bus/bus-config.js';
import { MarketPublisher } from '../bus/market-publisher.js';
import { publishPublisherMetrics } from '../bus/bus-metrics.js';
import { monotonicMs, monotonicNs } from '../core/clock.js';
import { ErrorCode, TradingError, describeError, isTradingError } from '../core/errors.js';
import type { LogFields, Logger } from '../core/log.js';
import { openGatewayMetrics, publishServerMetrics, type GatewayMetrics } from './gateway-metrics.js';
import type { Component } from '../core/runtime.js';
import { MarketModel } from '../market/market-model.js';
import type { MarketModelOptions } from '../market/market-options.js';
import { FrameServer, type FrameServerOptions, type SlowConsumerPolicy } from '../net/frame-server.js';
import { keepWarmOr } from '../net/heartbeat.js';
import type { FrameServerClient, PayloadMode } from '../net/frame-server-client.js';
import { MessageDecoder } from '../protocol/codec.js';
import { FRAME_HEADER_BYTES } from '../protocol/framing.js';
import { MessageType, type Heartbeat, type MarketData, type Message, type NewsSentiment } from '../protocol/messages.js';
import type { TlsMaterial } from '../net/tls-options.js';
import { SessionPolicy } from '../session/session-policy.js';
import type { GatewayRate } from './gateway-config.js';
import { canTakeMore, keepingUp, remove, wantsFrame } from './client-lists.js';
import { GatewayAdmission, type AdmissionState } from './gateway-admission.js';
import { FeedWarmer } from './feed-warmer.js';
import { FrameEncoder } from './frame-encoder.js';
import { RoundSlicer } from './round-slicer.js';
import { TickPacer } from './tick-pacer.js';

export interface GatewayOptions {
  host: string;
  /** 0 = any free port. */
  port: number;
  seed: number;
  symbols: readonly string[];
  rate: GatewayRate;
  newsIntervalSeconds: number;
  timeScale: number;
  slowConsumerPolicy: SlowConsumerPolicy;
  maxBacklogBytes: number;
  maxFrameBytes: number;
  /** Connection cap, frame deadline and global budgets (server-limits.ts); the server's defaults if omitted. */
  limits?: Partial<Pick<FrameServerOptions, 'maxConnections' | 'frameTimeoutMs' | 'outboundBudgetBytes' | 'inboundBudgetBytes'>>;
  /** Also publish market data and news on this NATS bus (md.<SYMBOL>, news.<SYMBOL>). */
  bus?: BusOptions;
  /**
   * Record every message sent (binary payloads, stamped with the send time): `trading
   * gateway --record FILE`. The writer is the caller's; the gateway flushes it on a timer
   * and closes it at stop.
   */
  recorder?: FrameRecorder;
  log: Logger;
  /** Publish counters into the counters segment named after this book segment name (the `trading gateway` process does). */
  metricsShm?: string;
  /** Who may connect (default: anonymous clients from loopback, no credentials). */
  policy?: SessionPolicy;
  tls?: TlsMaterial | undefined;
  /** While idle, a heartbeat to every client this often, ms, to keep their read path warm (--keep-warm-ms; 0 = off). */
  keepWarmMs?: number;
}

/** Where a recording goes (protocol/recording-writer.ts's RecordingWriter). */
export interface FrameRecorder {
  append(payload: Uint8Array, offset: number, length: number, receiveNs: number): void;
  flush(): void;
  close(): void;
}

/** How often a recording's open block is written out, ms. */
const RECORD_FLUSH_INTERVAL_MS = 200;

/** Conflation key of news (symbols use their index, 0..n-1). */
const NEWS_KEY = -1;
/** A batch is at most this fraction of the backlog bound, so one turn never trips it alone. */
const BATCH_FRACTION_OF_BACKLOG = 8;
/** Largest batch in bytes per client per turn whatever the bound. */
const MAX_BATCH_BYTES = 512 * 1024;
/** Most rounds in one max-rate turn. */
const MAX_ROUNDS_PER_TURN = 1024;
/**
 * While clients are connecting, a max-rate turn aims at about this long, ms. Node (libuv
 * 1.4x) accepts one connection per event-loop iteration, so with full batches (~4 ms a turn)
 * 2,000 clients connecting at once waited ~5 s in the kernel's accept queue; with 1 ms turns,
 * ~3 s. Only while connecting: short turns cost a write per reader per turn, and 64 readers
 * got a third of their throughput with them.
 */
const CONNECTING_TURN_MS = 1;
/** Clients count as connecting until this long after the last accept, ms. */
const CONNECTING_FOR_MS = 250;
/** Generous size of one JSON MARKET_DATA frame per book level, for sizing paced batches. */
const JSON_BYTES_PER_LEVEL_ESTIMATE = 40;
const JSON_BYTES_FIXED_ESTIMATE = 200;
/** Max rate: clients in conflation get the latest round at most this often, ms (thousands of them, every turn, would cost more than the readers' stream). */
const CONFLATED_ROUND_INTERVAL_MS = 100;
/** Idle wait of the max-rate pump when nobody can take data, ms. */
const MAX_RATE_IDLE_MS = 1;
/** Idle clients get a heartbeat this often (they never are at the default rate); the replay gateway's too. */
export const GATEWAY_HEARTBEAT_INTERVAL_MS = 1_000;

interface ClientState extends AdmissionState {
  /** The last send to it was conflated (an episode is under way). */
  conflating: boolean;
}

export class Gateway implements Component {
  readonly options: GatewayOptions;
  readonly #log: Logger;
  readonly #model: MarketModel;
  readonly #server: FrameServer<ClientState>;
  readonly #policy: SessionPolicy;
  readonly #admission: GatewayAdmission<ClientState>;
  readonly #decoder = new MessageDecoder();
  readonly #json = new FrameEncoder('json');
  readonly #binary = new FrameEncoder('binary');
  /** The heartbeats' own encoders (a client's queue copies the payload at once; --keep-warm-ms sends one per client every ms or two). */
  readonly #heartbeatJson = new FrameEncoder('json');
  readonly #heartbeatBinary = new FrameEncoder('binary');
  readonly #heartbeat: Heartbeat = { type: MessageType.HEARTBEAT, timestamp: 0, sentNs: 0 };
  readonly #jsonClients: FrameServerClient<ClientState>[] = [];
  readonly #binaryClients: FrameServerClient<ClientState>[] = [];
  /** Max rate: the clients not conflating as the turn began, who alone get its rounds but the last (O(frames × readers), not × every client). */
  readonly #keepingUpJson: FrameServerClient<ClientState>[] = [];
  readonly #keepingUpBinary: FrameServerClient<ClientState>[] = [];
  /**
   * Clients that asked for no MARKET_DATA (HELLO market_data false: the dashboard's news
   * feed): sent everything else. Apart, so that they neither wake for every tick nor count
   * as readers who can take more market data.
   */
  readonly #newsOnlyJson: FrameServerClient<ClientState>[] = [];
  readonly #newsOnlyBinary: FrameServerClient<ClientState>[] = [];
  readonly #marketData: MarketData;
  readonly #news: NewsSentiment;
  readonly #symbolCount: number;
  readonly #batchBytes: number;
  readonly #highWaterBytes: number;
  #sequence = 0;
  #marketDataSent = 0;
  #metrics: GatewayMetrics | undefined;
  #newsSent = 0;
  #conflationEpisodes = 0;
  #badPayloads = 0;
  #ignoredMessages = 0;
  #roundsSkipped = 0;
  #ticker: TickPacer | undefined;
  #newsPacer: TickPacer | undefined;
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #lastTurnMs = 0;
  #lastConflatedRoundMs = 0;
  #roundsLastTurn = 1;
  /** Max rate: rounds that fit in CONNECTING_TURN_MS, as the last turns measured it. */
  #roundsPerTurn = 1;
  /** When the last client connected (short max-rate turns until CONNECTING_FOR_MS after it). */
  #lastConnectMs = Number.NEGATIVE_INFINITY;
  /**
   * Set when one round may be larger than a batch (thousands of symbols, sized as JSON, the
   * larger kind): paced rounds are then spread over their period, and max-rate turns send
   * a batch of symbols from a cursor. Decided once, so the order of a round never changes.
   */
  readonly #slicer: RoundSlicer | undefined;
  /** Max rate, sliced: when the round under way began (its length steps the next one). */
  #maxRoundStartMs = 0;
  #maxRoundDtSeconds = 0;
  /** Sizes of the last frames encoded, for sizing max-rate batches. */
  #lastJsonBytes = JSON_BYTES_FIXED_ESTIMATE;
  #lastBinaryBytes = 64;
  #running = false;
  #busConnection: BusConnection | undefined;
  #busPublisher: MarketPublisher | undefined;
  #recordTimer: NodeJS.Timeout | undefined;
  #recordStartNs = 0;
  readonly #marketOptions: MarketModelOptions;
  /** --keep-warm-ms on a paced feed (at max rate the path never goes cold). */
  #feedWarmer: FeedWarmer | undefined;

  constructor(options: GatewayOptions) {
    this.options = options;
    this.#log = options.log;
    this.#marketOptions = {
      seed: options.seed,
      symbols: options.symbols,
      timeScale: options.timeScale,
      updatesPerSecond: options.rate === 'max' ? undefined : options.rate,
      newsIntervalSeconds: options.newsIntervalSeconds,
    };
    this.#model = new MarketModel(this.#marketOptions);
    this.#symbolCount = this.#model.symbolCount;
    this.#marketData = this.#model.createMarketData();
    this.#news = this.#model.createNewsSentiment();
    this.#batchBytes = Math.min(MAX_BATCH_BYTES, Math.floor(options.maxBacklogBytes / BATCH_FRACTION_OF_BACKLOG));
    this.#highWaterBytes = Math.floor(options.maxBacklogBytes / 4);
    this.#lastJsonBytes = JSON_BYTES_FIXED_ESTIMATE + 2 * this.#model.config.bookDepth * JSON_BYTES_PER_LEVEL_ESTIMATE;
    this.#slicer = this.#lastJsonBytes * this.#symbolCount > this.#batchBytes ? new RoundSlicer(this.#symbolCount) : undefined;
    this.#policy = options.policy ?? new SessionPolicy();
    this.#admission = new GatewayAdmission<ClientState>({
      policy: this.#policy,
      newState: () => ({ conflating: false, admitted: false, helloTimer: undefined }),
      jsonFrame: (hello) => this.#json.frame(hello),
      admitted: (client, hello) => {
        this.#unlist(client);
        const binary = client.mode === 'binary';
        if (hello?.marketData === false) {
          (binary ? this.#newsOnlyBinary : this.#newsOnlyJson).push(client);
          // --keep-warm-ms keeps the tick-to-trade path warm; a news reader (the dashboard) needs only liveness
          client.heartbeatIntervalMs = Math.max(client.heartbeatIntervalMs, GATEWAY_HEARTBEAT_INTERVAL_MS);
        } else (binary ? this.#binaryClients : this.#jsonClients).push(client);
      },
      removed: (client) => this.#unlist(client),
      log: options.log,
    });
    this.#server = new FrameServer<ClientState>({
      onFrame: this.#onFrame,
      tls: options.tls,
      onConnect: (client) => {
        this.#lastConnectMs = monotonicMs();
        this.#admission.connected(client);
      },
      onDisconnect: (client) => this.#admission.disconnected(client),
      maxFrameBytes: options.maxFrameBytes,
      maxBacklogBytes: options.maxBacklogBytes,
      slowConsumerPolicy: options.slowConsumerPolicy,
      heartbeat: { intervalMs: keepWarmOr(options.keepWarmMs, GATEWAY_HEARTBEAT_INTERVAL_MS), timeoutMs: 0, payload: (client) => this.#heartbeatPayload(client.mode) },
      ...options.limits,
      log: options.log,
    });
  }

  /** The bound port once started. */
  get port(): number {
    return this.#server.address?.port ?? 0;
  }

  async start(): Promise<LogFields> {
    this.#metrics = openGatewayMetrics(this.options.metricsShm, (w) => this.#publishMetrics(w), this.#log);
    this.#policy.checkBind(this.options.host, 'gateway');
    const address = await this.#server.listen(this.options.port, this.options.host);
    if (this.options.bus !== undefined) {
      const connection = new BusConnection(this.options.bus, this.#log.child('bus'));
      this.#busConnection = connection;
      await connection.open();
      // a copy each: the bus client may hold a payload until its next flush
      this.#busPublisher = new MarketPublisher(connection, this.options.symbols, () => encodePayloadCopy(this.#binary.encoder, this.#stampedHeartbeat()));
      this.#busPublisher.start();
    }
    this.#running = true;
    const recorder = this.options.recorder;
    if (recorder !== undefined) {
      this.#recordStartNs = monotonicNs();
      this.#recordTimer = setInterval(() => recorder.flush(), RECORD_FLUSH_INTERVAL_MS);
      this.#recordTimer.unref();
    }
    const nowMs = monotonicMs();
    this.#newsPacer = new TickPacer(1 / this.options.newsIntervalSeconds, nowMs + this.options.newsIntervalSeconds * 1000, 1);
    this.#lastTurnMs = nowMs;
    if (this.options.rate === 'max') {
      this.#immediate = setImmediate(this.#pumpMax);
    } else {
      this.#ticker = new TickPacer(this.options.rate, nowMs, this.#maxPacedRounds(this.options.rate));
      this.#tick();
      const keepWarmMs = this.options.keepWarmMs ?? 0;
      if (keepWarmMs > 0) {
        this.#feedWarmer = new FeedWarmer({ market: this.#marketOptions, encoder: this.#binary, intervalMs: keepWarmMs });
        this.#feedWarmer.start();
      }
    }
    this.#log.info('streaming', {
      symbols: describeSymbols(this.options.symbols),
      rate: this.options.rate,
      newsIntervalS: this.options.newsIntervalSeconds,
      seed: this.options.seed,
      slowConsumerPolicy: this.options.slowConsumerPolicy,
      maxBacklogBytes: this.options.maxBacklogBytes,
    });
    const bus = this.options.bus === undefined ? {} : describeBus(this.options.bus);
    return {
      port: address.port,
      host: address.host,
      tls: this.#server.tls,
      authenticated: this.#policy.credentials !== undefined,
      anonymous: this.#policy.anonymous,
      symbols: describeSymbols(this.options.symbols),
      rate: this.options.rate,
      ...bus,
    };
  }

  async stop(): Promise<void> {
    if (this.#running) {
      this.#running = false;
      if (this.#timer !== undefined) clearTimeout(this.#timer);
      if (this.#immediate !== undefined) clearImmediate(this.#immediate);
      this.#timer = undefined;
      this.#immediate = undefined;
      this.#publish({ type: MessageType.SHUTDOWN, reason: 'gateway stopping' }, undefined, true);
    }
    this.#feedWarmer?.stop();
    if (this.#recordTimer !== undefined) clearInterval(this.#recordTimer);
    this.#recordTimer = undefined;
    this.options.recorder?.close();
    this.#busPublisher?.stop();
    await Promise.all([this.#server.close(), this.#busConnection?.close()]);
    this.#metrics?.close();
  }

  /** Copy the counters into the counters segment (every publish interval, off the send path). */
  #publishMetrics(w: GatewayMetrics): void {
    const server = this.#server.counters();
    publishServerMetrics(w, server);
    w.set('market_data_sent', this.#marketDataSent);
    w.set('news_sent', this.#newsSent);
    w.set('binary_clients', this.#binaryClients.length + this.#newsOnlyBinary.length);
    w.set('slow_consumer_events', this.#conflationEpisodes + server.slowConsumerDisconnects);
    w.set('bad_frames', server.badFrames + this.#badPayloads);
    w.set('messages_ignored', this.#ignoredMessages);
    w.set('rounds_skipped', this.#roundsSkipped);
    w.set('market_sequence', this.#sequence);
    w.set('keep_warm_runs', this.#feedWarmer?.runs ?? 0);
    publishPublisherMetrics(w, this.#busConnection, this.#busPublisher);
  }

  /** Rounds one late paced call may send: bounded by the batch byte budget. */
  #maxPacedRounds(rate: number): number {
    const roundBytes = this.#symbolCount * (JSON_BYTES_FIXED_ESTIMATE + 2 * this.#model.config.bookDepth * JSON_BYTES_PER_LEVEL_ESTIMATE);
    const byBytes = Math.max(1, Math.floor(this.#batchBytes / roundBytes));
    // catch up at most a tenth of a second at once; older rounds are skipped
    return Math.max(1, Math.min(byBytes, Math.ceil(rate / 10)));
  }

  /** Paced mode: send what is due, then sleep until the next round (or slice of one) or news item. */
  #tick = (): void => {
    this.#timer = undefined;
    if (!this.#running) return;
    const ticker = this.#ticker;
    if (ticker === undefined) return;
    const nowMs = monotonicMs();
    const due = ticker.due(nowMs);
    const rounds = due.rounds;
    const skipped = due.skipped;
    this.#roundsSkipped += skipped;
    const periodS = ticker.periodMs / 1000;
    const slicer = this.#slicer;
    // late: a round still being spread is finished before the next begins
    if (slicer !== undefined && rounds > 0 && slicer.inRound) this.#sendSymbols(slicer.cursor, slicer.finish(), slicer.dtSeconds, true);
    for (let round = 0; round < rounds; round++) {
      // the market clock keeps up with the wall clock: skipped rounds' time goes into the next one
      const dtSeconds = round === 0 ? periodS * (1 + skipped) : periodS;
      if (slicer !== undefined && round === rounds - 1) slicer.begin(nowMs, ticker.periodMs, dtSeconds);
      else this.#sendSymbols(0, this.#symbolCount, dtSeconds, true);
    }
    if (slicer !== undefined && slicer.inRound) this.#sendSymbols(slicer.cursor, slicer.take(nowMs), slicer.dtSeconds, true);
    this.#maybeSendNews(nowMs);
    // all this timer sends is queued: out now, not after the rest of the turn (tick-to-trade)
    this.#server.flush();
    const afterMs = monotonicMs();
    const nextMs = slicer !== undefined && slicer.inRound ? Math.max(1, slicer.delayMs(afterMs)) : ticker.delayMs(afterMs);
    const delayMs = Math.min(nextMs, this.#newsPacer?.delayMs(afterMs) ?? Number.POSITIVE_INFINITY);
    this.#timer = setTimeout(this.#tick, delayMs);
  };

  /** Max mode: one bounded batch per turn while some client can take it. */
  #pumpMax = (): void => {
    this.#immediate = undefined;
    if (!this.#running) return;
    const nowMs = monotonicMs();
    this.#maybeSendNews(nowMs);
    if (!this.#someClientCanTakeMore()) {
      this.#lastTurnMs = nowMs;
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#pumpMax();
      }, MAX_RATE_IDLE_MS);
      return;
    }
    const dtSeconds = (nowMs - this.#lastTurnMs) / 1000 / this.#roundsLastTurn;
    this.#lastTurnMs = nowMs;
    const roundBytes = this.#roundBytes();
    if (this.#slicer !== undefined) {
      this.#pumpMaxSlice(this.#slicer, nowMs, roundBytes);
      this.#immediate = setImmediate(this.#pumpMax);
      return;
    }
    const connecting = nowMs - this.#lastConnectMs < CONNECTING_FOR_MS;
    const rounds = Math.max(1, Math.min(MAX_ROUNDS_PER_TURN, Math.floor(this.#batchBytes / roundBytes), connecting ? this.#roundsPerTurn : MAX_ROUNDS_PER_TURN));
    keepingUp(this.#jsonClients, this.#keepingUpJson);
    keepingUp(this.#binaryClients, this.#keepingUpBinary);
    // a conflating client keeps only the latest frame per symbol: the batch's last round
    // leaves it in the same state as every round would, for a fraction of the work (and
    // only every CONFLATED_ROUND_INTERVAL_MS)
    const toConflating = nowMs - this.#lastConflatedRoundMs >= CONFLATED_ROUND_INTERVAL_MS;
    if (toConflating) this.#lastConflatedRoundMs = nowMs;
    for (let round = 0; round < rounds; round++) this.#sendRound(dtSeconds, toConflating && round === rounds - 1);
    this.#roundsLastTurn = rounds;
    this.#roundsPerTurn = roundsForTurn(rounds, monotonicMs() - nowMs);
    this.#immediate = setImmediate(this.#pumpMax);
  };

  /**
   * Max rate with rounds bigger than a batch: a batch of symbols from the cursor, each
   * stepped by the length of the last full round (the market time that passed for it).
   */
  #pumpMaxSlice(slicer: RoundSlicer, nowMs: number, roundBytes: number): void {
    let left = Math.max(1, Math.floor((this.#batchBytes / roundBytes) * this.#symbolCount));
    while (left > 0) {
      if (!slicer.inRound) {
        if (this.#maxRoundStartMs > 0) this.#maxRoundDtSeconds = (nowMs - this.#maxRoundStartMs) / 1000;
        this.#maxRoundStartMs = nowMs;
        slicer.begin(nowMs, 0, this.#maxRoundDtSeconds);
      }
      const from = slicer.cursor;
      const to = Math.min(this.#symbolCount, from + left);
      this.#sendSymbols(from, to, slicer.dtSeconds, true);
      left -= to - from;
      slicer.advanceTo(to);
    }
  }

  /** Bytes one round puts into one client's queue, at most (by the last frames encoded). */
  #roundBytes(): number {
    const jsonBytes = this.#jsonClients.length > 0 ? this.#lastJsonBytes : 0;
    const binaryBytes = this.#binaryClients.length > 0 ? this.#lastBinaryBytes : 0;
    const perMessage = Math.max(jsonBytes, binaryBytes, 64);
    return perMessage * this.#symbolCount;
  }

  /** True when at least one client is keeping up: not conflating and below the high-water mark. */
  #someClientCanTakeMore(): boolean {
    return canTakeMore(this.#binaryClients, this.#highWaterBytes) || canTakeMore(this.#jsonClients, this.#highWaterBytes);
  }

  /** One MARKET_DATA per symbol; clients in conflation get it only if `toConflating`. */
  #sendRound(dtSeconds: number, toConflating: boolean): void {
    this.#sendSymbols(0, this.#symbolCount, dtSeconds, toConflating);
  }

  /** One MARKET_DATA for each symbol index in [from, to). */
  #sendSymbols(from: number, to: number, dtSeconds: number, toConflating: boolean): void {
    const model = this.#model;
    const message = this.#marketData;
    const sentNs = monotonicNs();
    const timestamp = wallSeconds();
    for (let index = from; index < to; index++) {
      model.step(index, dtSeconds, message);
      message.timestamp = timestamp;
      message.sequence = ++this.#sequence;
      message.sentNs = sentNs;
      this.#publish(message, index, toConflating);
    }
    this.#marketDataSent += to - from;
  }

  #maybeSendNews(nowMs: number): void {
    const pacer = this.#newsPacer;
    if (pacer === undefined || pacer.due(nowMs).rounds === 0) return;
    const news = this.#news;
    this.#model.nextNews(news);
    news.timestamp = wallSeconds();
    news.sequence = ++this.#sequence;
    news.sentNs = monotonicNs();
    this.#publish(news, NEWS_KEY, true);
    this.#newsSent++;
  }

  /**
   * Encode once per kind in use and queue the frame for every client of that kind; market
   * data and news (a `key`) also go to the bus when there is one.
   */
  #publish(message: Message, key: number | undefined, toConflating: boolean): void {
    const recorder = this.options.recorder;
    if (recorder !== undefined && this.#running) {
      const frame = this.#binary.frame(message);
      const sentNs = message.type === MessageType.MARKET_DATA || message.type === MessageType.NEWS_SENTIMENT ? message.sentNs : monotonicNs();
      recorder.append(frame, FRAME_HEADER_BYTES, frame.length - FRAME_HEADER_BYTES, sentNs - this.#recordStartNs);
    }
    // everything but market data (news, SHUTDOWN) also goes to the clients that take none
    const newsOnly = message.type !== MessageType.MARKET_DATA;
    const newsOnlyJson = newsOnly && this.#newsOnlyJson.length > 0;
    const newsOnlyBinary = newsOnly && this.#newsOnlyBinary.length > 0;
    const jsonClients = toConflating ? this.#jsonClients : this.#keepingUpJson;
    if (newsOnlyJson || wantsFrame(jsonClients, toConflating)) {
      const frame = this.#json.frame(message);
      this.#lastJsonBytes = frame.length;
      this.#sendToAll(jsonClients, frame, key, toConflating);
      if (newsOnlyJson) this.#sendToAll(this.#newsOnlyJson, frame, key, true);
    }
    const bus = key === undefined ? undefined : this.#busPublisher;
    const binaryClients = toConflating ? this.#binaryClients : this.#keepingUpBinary;
    if (bus !== undefined || newsOnlyBinary || wantsFrame(binaryClients, toConflating)) {
      const frame = this.#binary.frame(message);
      this.#lastBinaryBytes = frame.length;
      this.#sendToAll(binaryClients, frame, key, toConflating);
      if (newsOnlyBinary) this.#sendToAll(this.#newsOnlyBinary, frame, key, true);
      if (bus !== undefined) {
        if (key === NEWS_KEY) bus.news((message as NewsSentiment).symbol, frame, FRAME_HEADER_BYTES);
        else if (key !== undefined) bus.marketData(key, frame, FRAME_HEADER_BYTES);
      }
    }
  }

  #sendToAll(clients: FrameServerClient<ClientState>[], frame: Uint8Array, key: number | undefined, toConflating: boolean): void {
    for (let index = 0; index < clients.length; index++) {
      const client = clients[index];
      if (!toConflating && client.conflating) continue;
      const status = client.send(frame, key);
      const state = client.context;
      if (state === undefined) continue;
      if (status === 'conflated') {
        if (!state.conflating) {
          state.conflating = true;
          this.#conflationEpisodes++;
        }
      } else if (state.conflating && (status === 'sent' || status === 'queued')) {
        state.conflating = false;
      }
    }
  }

  #onFrame = (client: FrameServerClient<ClientState>, buffer: Buffer, offset: number, length: number): void => {
    let message: Message;
    try {
      message = this.#decoder.decode(buffer, offset, length);
    } catch (err) {
      this.#badPayloads++;
      const error = isTradingError(err) ? err : new TradingError(ErrorCode.PAYLOAD_MALFORMED, describeError(err));
      this.#log.warn('bad payload: closing client', { client: client.id, remote: client.remote, code: error.code, message: error.message });
      client.close(error);
      return;
    }
    if (message.type === MessageType.HELLO) this.#admission.hello(client, message);
    else if (message.type !== MessageType.HEARTBEAT) {
      this.#ignoredMessages++;
      this.#log.debug('message ignored: the gateway only takes HELLO and HEARTBEAT', { client: client.id, type: message.type });
    }
  };

  /** Off both stream lists (it is on one at most). */
  #unlist(client: FrameServerClient<ClientState>): void {
    remove(this.#jsonClients, client);
    remove(this.#binaryClients, client);
    remove(this.#newsOnlyJson, client);
    remove(this.#newsOnlyBinary, client);
  }

  /** A client's heartbeat, stamped now; the view is reused (sendPayload copies it). */
  #heartbeatPayload(mode: PayloadMode): Uint8Array {
    return (mode === 'binary' ? this.#heartbeatBinary : this.#heartbeatJson).payload(this.#stampedHeartbeat());
  }

  #stampedHeartbeat(): Heartbeat {
    const heartbeat = this.#heartbeat;
    heartbeat.timestamp = wallSeconds();
    heartbeat.sentNs = monotonicNs();
    return heartbeat;
  }
}

/**
 * Rounds for the next max-rate turn while connecting: scaled so the turn takes about CONNECTING_TURN_MS, at most
 * doubled or halved at a time (one slow turn, a GC say, does not collapse the batch).
 */
function roundsForTurn(rounds: number, turnMs: number): number {
  const scaled = turnMs > 0 ? Math.round((rounds * CONNECTING_TURN_MS) / turnMs) : rounds * 2;
  return Math.max(1, Math.min(MAX_ROUNDS_PER_TURN, rounds * 2, Math.max(scaled, Math.ceil(rounds / 2))));
}

/**
 * Epoch seconds with sub-millisecond digits, like the seed's time.time(): Date.now() / 1000
 * is a whole number once in a thousand calls, and JSON then shows an integer where the seed
 * always sent a float.
 */
function wallSeconds(): number {
  return (performance.timeOrigin + performance.now()) / 1000;
}
