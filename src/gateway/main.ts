/**
 * `trading gateway`: stream the seeded market (MARKET_DATA per symbol, NEWS_SENTIMENT) to
 * every client, or with `--replay FILE` a recording (replay-gateway.ts). See
 * gateway.ts for the behaviour and gateway-config.ts for the options; `--record FILE`
 * records what it sends.
 */
import { settleBusOptions } from '../bus/bus-config.js';
import { componentCommand } from '../command/command.js';
import { serverLimits } from '../config/server-limits.js';
import { Recording } from '../protocol/recording-reader.js';
import { RecordingWriter } from '../protocol/recording-writer.js';
import { ReplayGateway } from './replay-gateway.js';
import { gatewaySchema, parseRate } from './gateway-config.js';
import { Gateway } from './gateway.js';
import { serverSessionSettings } from '../session/session-options.js';
import { withMetricsServer } from '../metrics/metrics-server.js';
import { reportFinished } from '../core/runtime.js';

export const main = componentCommand({
  name: 'gateway',
  schema: gatewaySchema,
  settle: (config, problems) => {
    const speed = config.speed === 'max' ? ('max' as const) : Number(config.speed);
    if (speed !== 'max' && !(speed > 0)) problems.push(`--speed: must be > 0 or max, got "${config.speed}"`);
    if (config.replay !== undefined && config.record !== undefined) problems.push('--record: a replay is already a recording; record it with trading record instead');
    return { ...config, rate: parseRate(config.rate), speed, bus: settleBusOptions(config, 'gateway', problems) };
  },
  component: (config, { log }) => {
    // credentials and TLS material load here, inside the harness: a bad file fails the start in one line
    const session = serverSessionSettings(config);
    if (config.replay !== undefined) {
      const replay = new ReplayGateway({
        host: config.host,
        port: config.port,
        recording: Recording.open(config.replay),
        speed: config.speed,
        loop: config.loop,
        waitForClients: config.waitForClients,
        waitForHellos: config.waitForHellos,
        maxBacklogBytes: config.maxBacklogBytes,
        maxFrameBytes: config.maxFrameBytes,
        policy: session.policy,
        tls: session.tls,
        log,
        metricsShm: config.shm,
      });
      // the end of a replay (never with --loop) ends a `trading run --replay`
      void replay.finished.then(() => reportFinished('gateway', `replay of ${config.replay} finished`));
      return withMetricsServer(replay, { port: config.metricsPort, shm: config.shm, component: 'gateway', log });
    }
    return withMetricsServer(new Gateway({
      policy: session.policy,
      tls: session.tls,
      ...(config.bus === undefined ? {} : { bus: config.bus }),
      host: config.host,
      port: config.port,
      seed: config.seed,
      symbols: config.symbols,
      rate: config.rate,
      newsIntervalSeconds: config.newsInterval,
      timeScale: config.timeScale,
      slowConsumerPolicy: config.slowConsumer,
      maxBacklogBytes: config.maxBacklogBytes,
      maxFrameBytes: config.maxFrameBytes,
      limits: serverLimits(config),
      keepWarmMs: config.keepWarmMs,
      ...(config.record !== undefined ? { recorder: new RecordingWriter(config.record) } : {}),
      log,
      metricsShm: config.shm,
    }), { port: config.metricsPort, shm: config.shm, component: 'gateway', log });
  },
});
