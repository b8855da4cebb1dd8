/**
 * Subject names on the bus, in one place. Payloads are our binary codec's (protocol/),
 * without the 4-byte frame header: NATS frames each message itself.
 *
 *   md.<SYMBOL>        MARKET_DATA of one symbol, from the gateway
 *   news.<SYMBOL>      NEWS_SENTIMENT about one symbol, from the gateway
 *   gateway.heartbeat  a HEARTBEAT every second, so a subscriber tells "quiet" from "gone"
 *   exec.<SYMBOL>      durable fills, in the JetStream stream EXECUTIONS (order manager)
 */
export const MARKET_DATA_PREFIX = 'md.';
export const NEWS_PREFIX = 'news.';
export const GATEWAY_HEARTBEAT_SUBJECT = 'gateway.heartbeat';
export const EXECUTIONS_PREFIX = 'exec.';
export const DEFAULT_EXECUTIONS_STREAM = 'EXECUTIONS';

export function marketDataSubject(symbol: string): string {
  return MARKET_DATA_PREFIX + symbol;
}

export function newsSubject(symbol: string): string {
  return NEWS_PREFIX + symbol;
}

export function executionSubject(symbol: string): string {
  return EXECUTIONS_PREFIX + symbol;
}
