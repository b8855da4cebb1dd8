/**
 * The messages of the system, as decoded in memory. Both codecs (the seed's JSON and our
 * binary) decode into and encode from these shapes, so the rest of the system never knows
 * which one a peer speaks.
 *
 * Type numbers 1-8 are the seed's and keep their meaning; 9+ are ours. Prices are integer
 * price units (core/fixed-point); JSON shows them as decimals under the seed's field names.
 */
import type { L2Book } from '../core/book.js';

export const MessageType = {
  MARKET_DATA: 1,
  NEWS_SENTIMENT: 2,
  TRADING_SIGNAL: 3,
  ORDER: 4,
  TRADE_EXECUTION: 5,
  ORDERBOOK_UPDATE: 6,
  HEARTBEAT: 7,
  SHUTDOWN: 8,
  HELLO: 9,
  CANCEL: 10,
  ERROR: 11,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export const Side = { BUY: 1, SELL: 2 } as const;
export type Side = (typeof Side)[keyof typeof Side];
export const SIDE_NAMES: Record<Side, 'BUY' | 'SELL'> = { 1: 'BUY', 2: 'SELL' };

export const OrderType = { LIMIT: 1, MARKET: 2 } as const;
export type OrderType = (typeof OrderType)[keyof typeof OrderType];
export const ORDER_TYPE_NAMES: Record<OrderType, 'LIMIT' | 'MARKET'> = { 1: 'LIMIT', 2: 'MARKET' };

export const TimeInForce = { IOC: 1, DAY: 2 } as const;
export type TimeInForce = (typeof TimeInForce)[keyof typeof TimeInForce];
export const TIME_IN_FORCE_NAMES: Record<TimeInForce, 'IOC' | 'DAY'> = { 1: 'IOC', 2: 'DAY' };

export const ExecutionStatus = {
  NEW: 1,
  PARTIALLY_FILLED: 2,
  FILLED: 3,
  CANCELED: 4,
  REJECTED: 5,
} as const;
export type ExecutionStatus = (typeof ExecutionStatus)[keyof typeof ExecutionStatus];
export const EXECUTION_STATUS_NAMES: Record<ExecutionStatus, string> = {
  1: 'NEW',
  2: 'PARTIALLY_FILLED',
  3: 'FILLED',
  4: 'CANCELED',
  5: 'REJECTED',
};

export const Sentiment = { NEGATIVE: -1, NEUTRAL: 0, POSITIVE: 1 } as const;
export type Sentiment = (typeof Sentiment)[keyof typeof Sentiment];
export const SENTIMENT_NAMES: Record<Sentiment, 'negative' | 'neutral' | 'positive'> = {
  [-1]: 'negative',
  0: 'neutral',
  1: 'positive',
};

/** MARKET_DATA (1): one symbol's L2 book, last trade and cumulative volume. */
export interface MarketData extends L2Book {
  type: typeof MessageType.MARKET_DATA;
  symbol: string;
}

/** NEWS_SENTIMENT (2). */
export interface NewsSentiment {
  type: typeof MessageType.NEWS_SENTIMENT;
  symbol: string;
  /** Epoch seconds. */
  timestamp: number;
  sentiment: Sentiment;
  /** -1..1 */
  score: number;
  headline: string;
  sequence: number;
  sentNs: number;
}

/**
 * What an order asks for: the terms every order shape shares (the wire ORDER, a strategy's
 * request, the order manager's working orders and journal events).
 */
export interface OrderTerms {
  symbol: string;
  side: Side;
  orderType: OrderType;
  timeInForce: TimeInForce;
  /** Limit price in price units; 0 for MARKET. */
  price: number;
  /** Shares, a positive integer. */
  quantity: number;
}

/** Terms to fill in, for a reused object: a LIMIT IOC buy of nothing. */
export function emptyOrderTerms(): OrderTerms {
  return { symbol: '', side: Side.BUY, orderType: OrderType.LIMIT, timeInForce: TimeInForce.IOC, price: 0, quantity: 0 };
}

/** ORDER (4). An order without `order_type` in JSON is a LIMIT with time in force IOC. */
export interface Order extends OrderTerms {
  type: typeof MessageType.ORDER;
  orderId: string;
  /** Epoch seconds at the sender. */
  timestamp: number;
  /** Gateway stamp of the tick that caused this order (monotonic ns), 0 if none. */
  tickSentNs: number;
  /** Monotonic ns at which the order was sent, 0 if unknown. */
  orderSentNs: number;
  /**
   * Free-form strategy context: why the order was made. Both codecs carry it (at most
   * MAX_SIGNAL_DATA_BYTES of JSON); the order manager writes it to its order journal.
   */
  signalData?: Record<string, unknown>;
}

/** CANCEL (10): cancel the resting remainder of an order. */
export interface Cancel {
  type: typeof MessageType.CANCEL;
  orderId: string;
  symbol: string;
  timestamp: number;
}

/** TRADE_EXECUTION (5): an execution report. One per state change of an order. */
export interface ExecutionReport {
  type: typeof MessageType.TRADE_EXECUTION;
  executionId: string;
  orderId: string;
  symbol: string;
  side: Side;
  orderType: OrderType;
  timeInForce: TimeInForce;
  status: ExecutionStatus;
  /** Quantity of this fill (the seed's `quantity`); 0 for non-fill reports. */
  lastQuantity: number;
  /** Price of this fill in price units (the seed's `execution_price`); 0 if no fill. */
  lastPrice: number;
  /** The order's limit price in price units (the seed's `order_price`); 0 for MARKET. */
  orderPrice: number;
  orderQuantity: number;
  filledQuantity: number;
  leavesQuantity: number;
  /** Average fill price in price units (may be fractional), 0 if nothing filled. */
  averagePrice: number;
  /** Epoch seconds. */
  timestamp: number;
  /** Stable error code when REJECTED (e.g. E_RISK_MAX_QTY), '' otherwise. */
  rejectCode: string;
  /** Human-readable reason when REJECTED or CANCELED, '' otherwise. */
  reason: string;
  /** Echoed from the order. */
  tickSentNs: number;
  orderSentNs: number;
  /**
   * This report's number in its identity's stream (1, 2, ...; 0 = none, e.g. the seed's).
   * A reconnecting client says the last one it saw and is sent every later one (resync).
   */
  sequence: number;
}

/** HEARTBEAT (7): liveness in both directions. */
export interface Heartbeat {
  type: typeof MessageType.HEARTBEAT;
  timestamp: number;
  sentNs: number;
}

/** SHUTDOWN (8): the sender is going away on purpose. */
export interface Shutdown {
  type: typeof MessageType.SHUTDOWN;
  reason: string;
}

/**
 * HELLO (9): first message of our own clients, and a server's answer to it (the session
 * layer: src/session/). A client's HELLO asks for binary; the server's HELLO says the mode
 * it will speak and the session it opened or resumed. Clients send their HELLO in JSON
 * (a JSON-only server can read it) and the session fields travel only in JSON: a binary
 * HELLO carries the first three fields alone.
 */
export interface Hello {
  type: typeof MessageType.HELLO;
  protocolVersion: number;
  /** Who is speaking, e.g. "orderbook", "strategy": the identity claimed (a server: its own name). */
  clientName: string;
  /** Client: send me binary from now on. Server: I send binary from now on. */
  binary: boolean;
  /**
   * Client: false = send me no MARKET_DATA, only news and what keeps the connection (a news
   * display, the dashboard: its prices come from the shared book). Absent = true, as the
   * seed's clients expect. JSON `market_data`; binary flag bit 1.
   */
  marketData?: boolean;
  /**
   * Client: write each tick to me before the clients that did not ask (a strategy that
   * trades on the tick itself; the orderbook, which only keeps the shared book, can come
   * second). Absent = false. JSON `priority`; binary flag bit 2.
   */
  priority?: boolean;
  /** Client: the secret proving `clientName` (JSON `auth_token`). Never logged. */
  authToken?: string;
  /** Client: the session it resumes. Server: the session it opened or resumed (JSON `session`). */
  session?: string;
  /** Client: the last execution-report sequence it saw. Server: the last it sent (JSON `last_seq`). */
  lastSequence?: number;
  /** Server: true when the client's session was resumed and later reports are replayed (JSON `resumed`). */
  resumed?: boolean;
  /**
   * Server, resumed: the sequence of the last report it replays, so the replay is
   * `last_seq`+1 .. `replay_to` (JSON `replay_to`). Absent from older servers.
   */
  replayTo?: number;
  /**
   * Server, resumed: the ids of the identity's orders it holds as working (resting) or
   * whose reports are still on their way (JSON `working`, at most MAX_WORKING_ORDER_IDS).
   * Any other order the client sent before the resume and that the replay does not finish
   * never reached the server's journal: the client closes it as lost. Absent: the server
   * does not say (an older server, or more working orders than the limit).
   */
  working?: string[];
}

/** ERROR (11): the receiver refused something we sent; the connection may stay open. */
export interface ErrorMessage {
  type: typeof MessageType.ERROR;
  code: string;
  message: string;
}

/**
 * TRADING_SIGNAL (3) and ORDERBOOK_UPDATE (6) exist in the seed's numbering but carry no
 * fixed schema there; they decode as an opaque JSON object and are never sent in binary.
 */
export interface OpaqueMessage {
  type: typeof MessageType.TRADING_SIGNAL | typeof MessageType.ORDERBOOK_UPDATE;
  data: Record<string, unknown>;
}

export type Message =
  | MarketData
  | NewsSentiment
  | Order
  | Cancel
  | ExecutionReport
  | Heartbeat
  | Shutdown
  | Hello
  | ErrorMessage
  | OpaqueMessage;

export const PROTOCOL_VERSION = 1;
/** Symbols are 1-8 characters of A-Z, 0-9, '.', '-' and '_'. */
export const SYMBOL_PATTERN = /^[A-Z0-9._-]{1,8}$/;
export const MAX_ORDER_ID_LENGTH = 64;
