/**
 * The binary payload layouts: the single source of offsets for the binary encoder and
 * decoder. A binary payload travels inside the seed's framing (4-byte big-endian length,
 * then the payload); everything inside the payload is little-endian.
 *
 * Every payload starts with the same two bytes:
 *
 *   0        1        2
 *   +--------+--------+----------------------------------
 *   | magic  |  type  |  type-specific fixed layout ...
 *   +--------+--------+----------------------------------
 *
 * magic = 0xB0 | layout version. It is never '{' (0x7B), so a receiver tells a binary
 * payload from the seed's JSON by its first byte. A byte 0xB0..0xBF with another version
 * is E_PROTOCOL_VERSION; anything else is E_PAYLOAD_UNKNOWN_KIND.
 *
 * Numbers are float64 (prices as integer price units, see core/fixed-point; quantities,
 * sequences and nanosecond stamps as integers in float64, exact below 2^53). The fixed
 * part of every layout puts its float64 fields at offsets ≡ 4 (mod 8): after the 4-byte
 * frame header they are 8-byte aligned whenever the frame itself starts aligned.
 * Symbols are 8 bytes of ASCII, zero-padded. Text (ids, headlines, reasons) is UTF-8
 * after the fixed part, in the order listed, each with its byte length in the fixed part.
 * A payload must be exactly as long as its layout says: shorter is E_FRAME_TRUNCATED,
 * longer is E_PAYLOAD_MALFORMED. Reserved bytes are written as 0 and ignored on read.
 */

export const BINARY_MAGIC_FAMILY = 0xb0;
export const BINARY_LAYOUT_VERSION = 1;
export const BINARY_MAGIC = BINARY_MAGIC_FAMILY | BINARY_LAYOUT_VERSION;

export const MAGIC_OFFSET = 0;
export const TYPE_OFFSET = 1;
/** Bytes every binary payload has: magic and type. */
export const BINARY_PREAMBLE_BYTES = 2;

export const SYMBOL_BYTES = 8;
export const PRICE_LEVEL_BYTES = 16;

/**
 * MARKET_DATA (1), 52 bytes + 16 per level (a 5-level book: 212 bytes).
 *
 *   0 magic | 1 type | 2 u8 bid levels | 3 u8 ask levels
 *   4  symbol[8]
 *  12  f64 timestamp (epoch s)      20  f64 last price (units)   28  f64 volume
 *  36  f64 sequence                 44  f64 sent ns (monotonic)
 *  52  bid levels, then ask levels: f64 price (units), f64 size
 */
export const MarketDataLayout = {
  BID_COUNT: 2,
  ASK_COUNT: 3,
  SYMBOL: 4,
  TIMESTAMP: 12,
  LAST_PRICE: 20,
  VOLUME: 28,
  SEQUENCE: 36,
  SENT_NS: 44,
  LEVELS: 52,
} as const;

/**
 * NEWS_SENTIMENT (2), 46 bytes + headline.
 *
 *   0 magic | 1 type | 2 i8 sentiment (-1, 0, 1) | 3 reserved
 *   4  symbol[8]
 *  12  f64 timestamp   20  f64 score   28  f64 sequence   36  f64 sent ns
 *  44  u16 headline bytes
 *  46  headline (UTF-8)
 */
export const NewsLayout = {
  SENTIMENT: 2,
  SYMBOL: 4,
  TIMESTAMP: 12,
  SCORE: 20,
  SEQUENCE: 28,
  SENT_NS: 36,
  HEADLINE_BYTES: 44,
  TEXT: 46,
} as const;

/**
 * ORDER (4), 56 bytes + order id + signal data.
 *
 *   0 magic | 1 type | 2 u8 side | 3 u8 order type
 *   4  symbol[8]
 *  12  f64 price (units)   20  f64 quantity   28  f64 timestamp
 *  36  f64 tick sent ns    44  f64 order sent ns
 *  52  u8 time in force | 53 u8 order id bytes | 54 u16 signal data bytes (0: none)
 *  56  order id (UTF-8), then signal data: the compact JSON text of an object (UTF-8),
 *      at most MAX_SIGNAL_DATA_BYTES (validation.ts, 2048) bytes, else
 *      E_SIGNAL_DATA_TOO_LARGE on encode and on decode.
 */
export const OrderLayout = {
  SIDE: 2,
  ORDER_TYPE: 3,
  SYMBOL: 4,
  PRICE: 12,
  QUANTITY: 20,
  TIMESTAMP: 28,
  TICK_SENT_NS: 36,
  ORDER_SENT_NS: 44,
  TIME_IN_FORCE: 52,
  ORDER_ID_BYTES: 53,
  SIGNAL_DATA_BYTES: 54,
  TEXT: 56,
} as const;

/**
 * CANCEL (10), 20 bytes + order id.
 *
 *   0 magic | 1 type | 2 u8 order id bytes | 3 reserved
 *   4  symbol[8]
 *  12  f64 timestamp
 *  20  order id (UTF-8)
 */
export const CancelLayout = {
  ORDER_ID_BYTES: 2,
  SYMBOL: 4,
  TIMESTAMP: 12,
  TEXT: 20,
} as const;

/**
 * TRADE_EXECUTION (5), 108 bytes + execution id, order id, reject code, reason.
 *
 *   0 magic | 1 type | 2 u8 side | 3 u8 order type
 *   4  symbol[8]
 *  12  f64 last quantity     20  f64 last price (units)   28  f64 order price (units)
 *  36  f64 order quantity    44  f64 filled quantity      52  f64 leaves quantity
 *  60  f64 average price (units, may be fractional)       68  f64 timestamp
 *  76  f64 tick sent ns      84  f64 order sent ns
 *  92  u8 time in force | 93 u8 status | 94 u8 execution id bytes | 95 u8 order id bytes
 *  96  u8 reject code bytes | 97 reserved | 98 u16 reason bytes
 * 100  f64 sequence (the identity's report number, 0 = none)
 * 108  execution id, order id, reject code, reason (UTF-8)
 */
export const ExecutionLayout = {
  SIDE: 2,
  ORDER_TYPE: 3,
  SYMBOL: 4,
  LAST_QUANTITY: 12,
  LAST_PRICE: 20,
  ORDER_PRICE: 28,
  ORDER_QUANTITY: 36,
  FILLED_QUANTITY: 44,
  LEAVES_QUANTITY: 52,
  AVERAGE_PRICE: 60,
  TIMESTAMP: 68,
  TICK_SENT_NS: 76,
  ORDER_SENT_NS: 84,
  TIME_IN_FORCE: 92,
  STATUS: 93,
  EXECUTION_ID_BYTES: 94,
  ORDER_ID_BYTES: 95,
  REJECT_CODE_BYTES: 96,
  REASON_BYTES: 98,
  SEQUENCE: 100,
  TEXT: 108,
} as const;

/**
 * HEARTBEAT (7), 20 bytes.
 *
 *   0 magic | 1 type | 2-3 reserved
 *   4  f64 timestamp   12  f64 sent ns
 */
export const HeartbeatLayout = {
  TIMESTAMP: 4,
  SENT_NS: 12,
  END: 20,
} as const;

/**
 * SHUTDOWN (8), 4 bytes + reason.
 *
 *   0 magic | 1 type | 2 u16 reason bytes
 *   4  reason (UTF-8)
 */
export const ShutdownLayout = {
  REASON_BYTES: 2,
  TEXT: 4,
} as const;

/**
 * HELLO (9), 8 bytes + client name.
 *
 *   0 magic | 1 type | 2 u8 flags (bit 0: send me binary; bit 1: no MARKET_DATA) | 3 u8 client name bytes
 *   4  u16 protocol version | 6-7 reserved
 *   8  client name (UTF-8)
 */
export const HelloLayout = {
  FLAGS: 2,
  CLIENT_NAME_BYTES: 3,
  PROTOCOL_VERSION: 4,
  TEXT: 8,
} as const;
export const HELLO_FLAG_BINARY = 0x01;
/** The client takes no MARKET_DATA (Hello.marketData false). */
export const HELLO_FLAG_NO_MARKET_DATA = 0x02;
/** The client asks to be written each tick first (Hello.priority). */
export const HELLO_FLAG_PRIORITY = 0x04;

/**
 * ERROR (11), 6 bytes + code + message.
 *
 *   0 magic | 1 type | 2 u8 code bytes | 3 reserved
 *   4  u16 message bytes
 *   6  code, message (UTF-8)
 */
export const ErrorLayout = {
  CODE_BYTES: 2,
  MESSAGE_BYTES: 4,
  TEXT: 6,
} as const;
