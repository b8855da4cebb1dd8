/**
 * The bus's figures, copied into a component's counters segment (metrics/registry.ts
 * declares them: bus_connected, bus_reconnects, bus_published, ...), so `trading stat` and
 * `/metrics` show them. Called from each component's publish callback, off the message path.
 *
 * The sink is anything with `set(name, value)`: a component's MetricsWriter, whose metric
 * list includes these names (bus sits beside metrics in the layers, so it does not import
 * it). Without --bus a component publishes zeros: connected 0, nothing sent or received.
 */
import type { BusConnection } from './bus-connection.js';
import type { MarketPublisher } from './market-publisher.js';
import type { MarketSubscriber } from './market-subscriber.js';

export interface BusMetricSink<N extends string> {
  set(name: N, value: number): void;
}

/** Every component on the bus: connected now, and reconnections after a lost connection. */
export function publishConnectionMetrics(w: BusMetricSink<'bus_connected' | 'bus_reconnects'>, connection: BusConnection | undefined): void {
  w.set('bus_connected', connection?.connected === true ? 1 : 0);
  // connects counts the first connection too
  w.set('bus_reconnects', Math.max(0, (connection?.counters.connects ?? 0) - 1));
}

/** The gateway: what it published on the bus, and what it did not because the bus was down. */
export function publishPublisherMetrics(
  w: BusMetricSink<'bus_connected' | 'bus_reconnects' | 'bus_published' | 'bus_published_bytes' | 'bus_skipped'>,
  connection: BusConnection | undefined,
  publisher: MarketPublisher | undefined,
): void {
  publishConnectionMetrics(w, connection);
  w.set('bus_published', publisher?.counters.published ?? 0);
  w.set('bus_published_bytes', publisher?.counters.bytes ?? 0);
  w.set('bus_skipped', publisher?.counters.skipped ?? 0);
}

/** An orderbook or a strategy: the messages it received from the bus. */
export function publishSubscriberMetrics(
  w: BusMetricSink<'bus_connected' | 'bus_reconnects' | 'bus_received'>,
  connection: BusConnection | undefined,
  subscriber: MarketSubscriber | undefined,
): void {
  publishConnectionMetrics(w, connection);
  w.set('bus_received', subscriber?.messages ?? 0);
}
