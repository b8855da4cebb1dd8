/**
 * What both gateways (the live one and the replay) publish from their FrameServer into the
 * gateway's counters segment; each adds its own figures beside these.
 */
import type { Logger } from '../core/log.js';
import { COMPONENT_METRICS, MetricsWriter, publishSendBufferHold, type ComponentMetricName } from '../metrics/index.js';
import type { FrameServerCounters } from '../net/frame-server.js';

export type GatewayMetrics = MetricsWriter<ComponentMetricName<'gateway'>>;

/**
 * The gateway's counters segment under `shm`, published by `publish`: none when `shm` is
 * undefined, or (with a warning) when another process already publishes under that name.
 */
export function openGatewayMetrics(shm: string | undefined, publish: (w: GatewayMetrics) => void, log: Logger): GatewayMetrics | undefined {
  if (shm === undefined) return undefined;
  return MetricsWriter.openOrWarn({ component: 'gateway', shm, metrics: COMPONENT_METRICS.gateway, publish }, (message, fields) => log.warn(message, fields));
}

export function publishServerMetrics(w: GatewayMetrics, server: FrameServerCounters): void {
  w.set('frames_sent', server.framesOut);
  w.set('sent_bytes', server.bytesOut);
  w.set('clients', server.clientsConnected);
  w.set('clients_accepted', server.clientsAccepted);
  w.set('clients_refused', server.clientsRefused);
  w.set('clients_idle', server.clientsIdle);
  w.set('frame_timeouts', server.frameTimeouts);
  w.set('outbound_budget_disconnects', server.outboundBudgetDisconnects);
  w.set('outbound_budget_demotions', server.outboundBudgetDemotions);
  w.set('outbound_bytes', server.outboundBytes);
  w.set('frames_conflated', server.framesConflated);
  w.set('frames_dropped', server.framesDropped);
  publishSendBufferHold(w, server);
}
