// Its own file, hence its own process: the checks count collections, which other tests'
// garbage would trigger.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageDecoder, MessageEncoder } from '../../src/protocol/codec.js';
import { FRAME_HEADER_BYTES } from '../../src/protocol/framing.js';
import { MessageType, type MarketData } from '../../src/protocol/messages.js';
import { createMarketData } from '../../src/protocol/reusable-messages.js';
import { collectionsPerRound } from '../helpers/gc-rounds.js';

/** A 5-level tick, as the gateway sends them. */
function fiveLevelTick(): MarketData {
  const tick = createMarketData();
  tick.type = MessageType.MARKET_DATA;
  tick.symbol = 'AAPL';
  tick.timestamp = 1_700_000_000.25;
  tick.sequence = 42;
  tick.sentNs = 123_456_789;
  for (let i = 0; i < 5; i++) {
    tick.bidPrices[i] = 1_000_000 - 100 * (i + 1);
    tick.bidSizes[i] = 100 * (i + 1);
    tick.askPrices[i] = 1_000_000 + 100 * (i + 1);
    tick.askSizes[i] = 100 * (i + 1);
  }
  tick.bidCount = 5;
  tick.askCount = 5;
  return tick;
}

// A payload lands wherever the previous frames of a read left off: every one of the 8
// alignments of its float64 fields must decode (and encode) without allocating.
test('binary MARKET_DATA: decoding allocates nothing at any of the 8 alignments', async () => {
  const encoder = new MessageEncoder({ mode: 'binary' });
  const frameBytes = encoder.encode(fiveLevelTick(), 'binary');
  const payloadBytes = frameBytes - FRAME_HEADER_BYTES;
  const reads = Buffer.alloc(8 * 1024);
  for (let shift = 0; shift < 8; shift++) encoder.buffer.copy(reads, shift * 1024 + shift, FRAME_HEADER_BYTES, frameBytes);
  const decoder = new MessageDecoder();
  for (let shift = 0; shift < 8; shift++) {
    const decoded = decoder.decode(reads, shift * 1024 + shift, payloadBytes) as MarketData;
    assert.equal(decoded.symbol, 'AAPL');
    assert.equal(decoded.askPrices[4], 1_000_500, `shift ${shift}`);
  }
  const perRound = await collectionsPerRound((count) => {
    for (let i = 0; i < count; i++) {
      const shift = i & 7;
      decoder.decode(reads, shift * 1024 + shift, payloadBytes);
    }
  });
  assert.equal(perRound.at(-1), 0, `collections per round of decodes: ${perRound.join(', ')}`);
});

test('binary MARKET_DATA: encoding at any of the 8 alignments allocates nothing', async () => {
  const encoder = new MessageEncoder({ mode: 'binary' });
  const tick = fiveLevelTick();
  const target = Buffer.alloc(8 * 1024);
  const decoder = new MessageDecoder();
  for (let shift = 0; shift < 8; shift++) {
    const bytes = encoder.encodeInto(tick, target, shift * 1024 + shift, 'binary');
    const decoded = decoder.decode(target, shift * 1024 + shift + FRAME_HEADER_BYTES, bytes - FRAME_HEADER_BYTES) as MarketData;
    assert.equal(decoded.bidSizes[4], 500, `shift ${shift}`);
  }
  const perRound = await collectionsPerRound((count) => {
    for (let i = 0; i < count; i++) {
      const shift = i & 7;
      encoder.encodeInto(tick, target, shift * 1024 + shift, 'binary');
    }
  });
  assert.equal(perRound.at(-1), 0, `collections per round of encodes: ${perRound.join(', ')}`);
});
