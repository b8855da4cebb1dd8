/**
 * Typed errors with stable codes. The same codes travel on the wire as reject reasons,
 * so a client can act on `E_RISK_MAX_QTY` without parsing prose. The README lists them.
 *
 * Control paths throw these; hot paths return status codes and never throw.
 */
export const ErrorCode = {
  // configuration and process control
  CONFIG_INVALID: 'E_CONFIG_INVALID',
  PORT_IN_USE: 'E_PORT_IN_USE',
  TRADE_LOG_UNWRITABLE: 'E_TRADE_LOG_UNWRITABLE',
  // framing and codecs
  FRAME_TOO_LARGE: 'E_FRAME_TOO_LARGE',
  FRAME_EMPTY: 'E_FRAME_EMPTY',
  FRAME_TRUNCATED: 'E_FRAME_TRUNCATED',
  PAYLOAD_UNKNOWN_KIND: 'E_PAYLOAD_UNKNOWN_KIND',
  PAYLOAD_MALFORMED: 'E_PAYLOAD_MALFORMED',
  MESSAGE_UNKNOWN_TYPE: 'E_MESSAGE_UNKNOWN_TYPE',
  MESSAGE_INVALID: 'E_MESSAGE_INVALID',
  PROTOCOL_VERSION: 'E_PROTOCOL_VERSION',
  // network
  PEER_TIMEOUT: 'E_PEER_TIMEOUT',
  SLOW_CONSUMER: 'E_SLOW_CONSUMER',
  NOT_CONNECTED: 'E_NOT_CONNECTED',
  // shared memory
  SHM_EXISTS: 'E_SHM_EXISTS',
  SHM_NOT_FOUND: 'E_SHM_NOT_FOUND',
  SHM_ACCESS: 'E_SHM_ACCESS',
  SHM_INVALID: 'E_SHM_INVALID',
  SHM_LAYOUT_MISMATCH: 'E_SHM_LAYOUT_MISMATCH',
  /** The segment exists but its writer has not finished initialising it: retry shortly. */
  SHM_NOT_READY: 'E_SHM_NOT_READY',
  SHM_SYSTEM: 'E_SHM_SYSTEM',
  // orders and risk
  ORDER_INVALID: 'E_ORDER_INVALID',
  ORDER_DUPLICATE_ID: 'E_ORDER_DUPLICATE_ID',
  ORDER_UNKNOWN: 'E_ORDER_UNKNOWN',
  RISK_UNKNOWN_SYMBOL: 'E_RISK_UNKNOWN_SYMBOL',
  RISK_BAD_QUANTITY: 'E_RISK_BAD_QUANTITY',
  RISK_BAD_PRICE: 'E_RISK_BAD_PRICE',
  RISK_BAD_SIDE: 'E_RISK_BAD_SIDE',
  RISK_MAX_QTY: 'E_RISK_MAX_QTY',
  RISK_MAX_POSITION: 'E_RISK_MAX_POSITION',
  RISK_MAX_NOTIONAL: 'E_RISK_MAX_NOTIONAL',
  RISK_PRICE_COLLAR: 'E_RISK_PRICE_COLLAR',
  RISK_RATE_LIMIT: 'E_RISK_RATE_LIMIT',
  RISK_STALE_BOOK: 'E_RISK_STALE_BOOK',
  RISK_NO_LIQUIDITY: 'E_RISK_NO_LIQUIDITY',
  // trade log
  TRADE_LOG_CORRUPT: 'E_TRADE_LOG_CORRUPT',
  // sessions: authentication, identity, TLS
  /** A claimed identity without its secret, or with a wrong one (or a token the server cannot check). */
  AUTH_FAILED: 'E_AUTH_FAILED',
  /** An anonymous client (no proven identity) where the server takes none (--no-anonymous, or not on loopback). */
  AUTH_REQUIRED: 'E_AUTH_REQUIRED',
  /** A server asked to listen beyond loopback with no credentials (and no --insecure). */
  INSECURE_BIND: 'E_INSECURE_BIND',
  /** A credentials file that cannot be read or parsed. */
  AUTH_FILE_INVALID: 'E_AUTH_FILE_INVALID',
  /** TLS material that cannot be loaded, or a handshake that failed (wrong CA, no certificate). */
  TLS_FAILED: 'E_TLS_FAILED',
  /** The identity's session was taken over by a newer, authenticated connection. */
  SESSION_TAKEN_OVER: 'E_SESSION_TAKEN_OVER',
  // dashboard
  DASHBOARD_UNAUTHORIZED: 'E_DASHBOARD_UNAUTHORIZED',
  DASHBOARD_FULL: 'E_DASHBOARD_FULL',
  DASHBOARD_ASSETS_MISSING: 'E_DASHBOARD_ASSETS_MISSING',
  /** An order's signal_data is larger than MAX_SIGNAL_DATA_BYTES of JSON (protocol/validation.ts). */
  SIGNAL_DATA_TOO_LARGE: 'E_SIGNAL_DATA_TOO_LARGE',
  // trade log faults
  /** The trade log cannot be made durable (disk full, I/O error): no order is executed. */
  TRADE_LOG_UNAVAILABLE: 'E_TRADE_LOG_UNAVAILABLE',
  // processes and programs
  /** A component did not say ready within its time. */
  READY_TIMEOUT: 'E_READY_TIMEOUT',
  /** A component exited before it was ready, without saying why. */
  COMPONENT_EXITED: 'E_COMPONENT_EXITED',
  /** A benchmark could not measure what it set out to (a helper process failed, results do not add up). */
  BENCH_FAILED: 'E_BENCH_FAILED',
  /** A bug: a broken invariant, an API used out of order, or a thrown value without a code. */
  INTERNAL: 'E_INTERNAL',
  // the NATS bus
  /** The NATS server cannot be reached or spoken to (TLS, protocol), other than refused credentials. */
  BUS_UNAVAILABLE: 'E_BUS_UNAVAILABLE',
  /** The NATS server refused our credentials. */
  BUS_AUTH: 'E_BUS_AUTH',
  /** The executions stream cannot be created, read or written as we need. */
  BUS_STREAM: 'E_BUS_STREAM',
  // recordings, replay and backtest
  /** A file that is not a recording, of another format version, or unreadable. */
  RECORDING_INVALID: 'E_RECORDING_INVALID',
  /** A CSV of L2 snapshots that does not follow the documented columns (line and column named). */
  CSV_INVALID: 'E_CSV_INVALID',
  /** A backtest that could not finish: a component failed or exited, no progress, or stopped by a signal. */
  BACKTEST_FAILED: 'E_BACKTEST_FAILED',
  // sessions, again
  /** Too many HELLO secrets being checked at once: the server refuses this one; try again shortly. */
  AUTH_BUSY: 'E_AUTH_BUSY',
  // the native addon
  /** The addon in build/ was built from older native/ sources and lacks a function this code needs: `npm run install`. */
  ADDON_STALE: 'E_ADDON_STALE',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class TradingError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TradingError';
    this.code = code;
  }
}

export function isTradingError(err: unknown): err is TradingError {
  return err instanceof TradingError;
}

/** A one-line description of any thrown value, for logs and CLI errors (no stack). */
export function describeError(err: unknown): string {
  if (err instanceof TradingError) return `${err.code}: ${err.message}`;
  if (err instanceof Error) {
    const code = (err as Error & { code?: string }).code;
    return code !== undefined ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
