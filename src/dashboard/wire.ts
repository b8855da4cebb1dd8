/**
 * What the dashboard server sends to its page over the WebSocket, and what the page sends
 * back. Types only: the server and the page (bundled apart by esbuild) both import them.
 *
 * Every message is one JSON object. The server sends `frame`s, at most 20 a second to a
 * browser, each with the whole current state (small: ladders, positions, health) and the
 * history items (chart points, fills, equity, news, rejects) newer than the browser's
 * cursor. The page answers each frame it has handled with an `ack`; a browser with two frames unanswered,
 * or with a full socket, is skipped until it catches up, and then gets everything it missed
 * in one frame (or, if the bounded history no longer reaches back that far, `reset` and
 * what is kept).
 *
 * Prices are decimals (the wire's edge), times epoch seconds unless named otherwise.
 */

/** One closed second of a symbol's price line (the mid of the shared book). */
export interface ChartPoint {
  symbol: string;
  time: number;
  price: number;
}

/** One fill from the trade log. */
export interface FillView {
  executionId: string;
  orderId: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  quantity: number;
  price: number;
  time: number;
  status: string;
  liquidity: string;
}

/** Total PnL (realized + unrealized at the mid), once a second. */
export interface EquityPoint {
  time: number;
  total: number;
  realized: number;
  unrealized: number;
}

export interface NewsView {
  time: number;
  symbol: string;
  sentiment: 'positive' | 'negative' | 'neutral';
  score: number;
  headline: string;
}

/** Orders the order manager rejected with `code` since the previous item of that code. */
export interface RejectView {
  time: number;
  code: string;
  count: number;
}

export type BookStatus = 'live' | 'stale' | 'unknown';

export interface LadderView {
  symbol: string;
  status: BookStatus;
  /** [price, size], best first; up to the book's depth. */
  bids: [number, number][];
  asks: [number, number][];
  last: number;
  /** The gateway sequence of the update this book reflects. */
  sequence: number;
}

export interface PositionView {
  symbol: string;
  quantity: number;
  averagePrice: number;
  markPrice: number | null;
  realized: number;
  unrealized: number;
  fills: number;
}

export type ComponentStatus = 'up' | 'unresponsive' | 'restarting' | 'starting' | 'stopping' | 'down' | 'unknown';

export interface ComponentView {
  name: string;
  status: ComponentStatus;
  pid: number | null;
  restarts: number;
  cpuPercent: number | null;
  rssMb: number | null;
}

export interface HistogramView {
  /** Upper bound of each bucket, µs. */
  upperUs: number[];
  counts: number[];
}

export interface LatencyView {
  name: 'tick_to_trade' | 'order_to_ack';
  count: number;
  p50Us: number | null;
  p99Us: number | null;
  histogram: HistogramView | null;
}

/**
 * Orders the strategy sent whose fate it does not know: unanswered (no report within
 * --order-ack-timeout-ms, still open), abandoned (its order manager session could not be
 * resumed) and lost (a resumed order manager did not know them). Totals since it started.
 */
export interface UnknownOrdersView {
  unanswered: number;
  abandoned: number;
  lost: number;
}

/** The line the page shows for them: 'none', or each kind with its count. */
export function unknownOrdersText(view: UnknownOrdersView | null): string {
  if (view === null) return 'no strategy counters';
  if (view.unanswered + view.abandoned + view.lost === 0) return 'none';
  return `unanswered ${view.unanswered} · abandoned ${view.abandoned} · lost ${view.lost}`;
}

export interface DashboardState {
  /** Server wall clock, epoch ms. */
  nowMs: number;
  symbols: string[];
  ladders: LadderView[];
  /** The open second of each symbol's line (the page updates its last point with it). */
  current: ChartPoint[];
  positions: PositionView[];
  totals: { realized: number; unrealized: number; total: number; grossPosition: number };
  /** How much of the trade log the positions reflect. */
  tradeLog: { fills: number; corruptLines: number };
  components: ComponentView[];
  rates: { ticksPerS: number | null; ordersPerS: number | null; fillsPerS: number | null };
  latency: LatencyView[];
  rejectsByCode: Record<string, number>;
  /** The strategy's orders whose fate it does not know (null: no strategy counters). */
  unknownOrders: UnknownOrdersView | null;
  /** The open second of the equity line. */
  equityNow: EquityPoint | null;
  sources: { book: 'attached' | 'waiting'; gateway: 'connected' | 'waiting'; counters: string };
  /** The dashboard server itself: browsers connected, frames sent and skipped. */
  server: { browsers: number; framesSent: number; framesSkipped: number; bytesSent: number };
}

export interface FrameMessage {
  type: 'frame';
  /** Changes when the server restarts: a cursor of another instance means nothing. */
  instance: string;
  /** The cursor after this frame: send it back when reconnecting. */
  cursor: number;
  /** The page must drop its histories and take these as the whole of them. */
  reset: boolean;
  state: DashboardState;
  points: ChartPoint[];
  fills: FillView[];
  equity: EquityPoint[];
  news: NewsView[];
  rejects: RejectView[];
}

/** Page → server: `ack` frames handled since the last ack. */
export interface AckMessage {
  ack: number;
}

/** Largest message the server accepts from a page, bytes. */
export const MAX_PAGE_MESSAGE_BYTES = 256;
/** Frames a browser may have unanswered before it is skipped. */
export const MAX_FRAMES_IN_FLIGHT = 2;
