/**
 * A reference for the JSON MARKET_DATA decoder, for tests only: the data object that
 * JSON.parse makes, checked and converted field by field, the straightforward way (this
 * was the general path of the JSON decoder before MARKET_DATA had a single decoder). The
 * real decoder must give the same values, and the same error code and message.
 */
import { ErrorCode, TradingError } from '../../src/core/errors.js';
import { isJsonObject, missingOrWrong, numberField, optionalNumberField, priceValue, symbolField } from '../../src/protocol/json-fields.js';
import type { JsonObject } from '../../src/protocol/json-fields.js';
import { JsonDecoder } from '../../src/protocol/json-codec.js';
import { MessageType } from '../../src/protocol/messages.js';
import type { MarketData, Message } from '../../src/protocol/messages.js';
import { createMarketData } from '../../src/protocol/reusable-messages.js';
import { invalidField, isFiniteNumber } from '../../src/protocol/validation.js';

function levelsInto(data: JsonObject, field: 'bids' | 'asks', prices: Float64Array, sizes: Float64Array): number {
  const type = MessageType.MARKET_DATA;
  const levels = data[field];
  if (!Array.isArray(levels)) throw missingOrWrong(type, field, 'an array of [price, size]', levels);
  const count = levels.length;
  if (count > prices.length) throw invalidField(type, field, `${count} levels exceed the maximum of ${prices.length}`);
  for (let i = 0; i < count; i++) {
    const level: unknown = levels[i];
    if (!Array.isArray(level) || level.length !== 2) throw invalidField(type, field, `level ${i}: expected [price, size]`);
    const size: unknown = level[1];
    if (typeof size !== 'number' || !isFiniteNumber(size)) throw invalidField(type, field, `level ${i}: size is not a finite number`);
    prices[i] = priceValue(type, field, level[0]);
    sizes[i] = size;
  }
  return count;
}

function referenceMarketData(data: JsonObject, target: MarketData): MarketData {
  const type = MessageType.MARKET_DATA;
  target.symbol = symbolField(type, data);
  target.timestamp = numberField(type, data, 'timestamp');
  target.bidCount = levelsInto(data, 'bids', target.bidPrices, target.bidSizes);
  target.askCount = levelsInto(data, 'asks', target.askPrices, target.askSizes);
  target.lastPrice = priceValue(type, 'last_price', data.last_price);
  target.volume = numberField(type, data, 'volume');
  target.sequence = optionalNumberField(type, data, 'sequence', 0);
  target.sentNs = optionalNumberField(type, data, 'sent_ns', 0);
  return target;
}

/** What JSON.parse and field-by-field checks make of a payload: MARKET_DATA here, other types by the real decoder. */
export function referenceDecode(payload: Buffer, offset = 0, length = payload.length, capacity?: number): Message {
  let root: unknown;
  try {
    root = JSON.parse(payload.toString('utf8', offset, offset + length));
  } catch (err) {
    throw new TradingError(ErrorCode.PAYLOAD_MALFORMED, `payload is not valid JSON: ${(err as Error).message}`);
  }
  if (isJsonObject(root) && root.type === MessageType.MARKET_DATA && isJsonObject(root.data)) {
    return referenceMarketData(root.data, createMarketData(capacity));
  }
  return new JsonDecoder().decodeValue(root);
}
