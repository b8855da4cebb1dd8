/** TCP endpoints over the seed's framing: server, client, heartbeats, bounded outbound queues. */
export { FrameServer } from './frame-server.js';
export type { FrameServerCounters, BoundAddress } from './frame-server.js';
export { DEFAULT_HOST, DEFAULT_MAX_BACKLOG_BYTES, DEFAULT_CLOSE_TIMEOUT_MS, MIN_BACKLOG_BYTES } from './frame-server-options.js';
export type { FrameServerOptions, ServerHeartbeatOptions, SlowConsumerPolicy } from './frame-server-options.js';
export { FrameServerClient } from './frame-server-client.js';
export type { ConnectionCounters, PayloadMode } from './frame-server-client.js';
export { FrameClient, DEFAULT_CLIENT_BACKLOG_BYTES, DEFAULT_CONNECT_TIMEOUT_MS } from './frame-client.js';
export type { FrameClientOptions, FrameClientCounters, ClientHeartbeatOptions } from './frame-client.js';
export { HeartbeatTracker, heartbeatCheckPeriodMs } from './heartbeat.js';
export type { HeartbeatOptions, HeartbeatAction } from './heartbeat.js';
export { reconnectDelayMs, DEFAULT_BACKOFF } from './backoff.js';
export type { BackoffOptions } from './backoff.js';
export { OutboundQueue } from './outbound-queue.js';
export type { OutboundSink, OutboundCounters, OutboundPolicy, ConflationEpisode } from './outbound-queue.js';
export { isAccepted } from './send-status.js';
export type { SendStatus, ConflationKey } from './send-status.js';
export { jsonErrorPayload } from './error-payload.js';
