/**
 * The seed's JSON codec: json-encoder.ts writes, json-decoder.ts reads (MARKET_DATA in
 * json-market-data.ts). See README.md beside this file for how to add a message type.
 */
export { JsonEncoder, encodeJsonPayload, jsonPayloadLength, priceText } from './json-encoder.js';
export { JsonDecoder } from './json-decoder.js';
export type { JsonDecoderOptions } from './json-decoder.js';
