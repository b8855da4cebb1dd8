// Its own file, hence its own process: the allocation check counts collections, which other
// tests' garbage would trigger.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FeedWarmer } from '../../src/gateway/feed-warmer.js';
import { FrameEncoder } from '../../src/gateway/frame-encoder.js';
import { MarketModel } from '../../src/market/market-model.js';
import { MessageDecoder } from '../../src/protocol/codec.js';
import { FRAME_HEADER_BYTES } from '../../src/protocol/framing.js';
import { MessageType } from '../../src/protocol/messages.js';
import { collectionsPerRound } from '../helpers/gc-rounds.js';

const MARKET = { seed: 7, symbols: ['AAPL', 'MSFT', 'TSLA'], updatesPerSecond: 10 };

/** The frames a model of MARKET gives for 50 rounds, encoded by `encoder`, with `between()` after each frame. */
function roundsOfFrames(model: MarketModel, encoder: FrameEncoder, between: () => void): string[] {
  const tick = model.createMarketData();
  const frames: string[] = [];
  for (let round = 0; round < 50; round++) {
    for (let index = 0; index < model.symbolCount; index++) {
      model.step(index, 0.1, tick);
      frames.push(Buffer.from(encoder.frame(tick)).toString('hex'));
      between();
    }
  }
  return frames;
}

test("feed warmer: the gateway's ticks and frames are the same with dry runs between them", () => {
  const plain = roundsOfFrames(new MarketModel(MARKET), new FrameEncoder('binary'), () => undefined);
  const encoder = new FrameEncoder('binary');
  const model = new MarketModel(MARKET);
  const warmer = new FeedWarmer({ market: MARKET, encoder, intervalMs: 1 });
  const warmed = roundsOfFrames(model, encoder, () => {
    warmer.run();
    warmer.run();
  });
  assert.equal(warmer.runs, 300);
  assert.deepEqual(warmed, plain);
});

test('feed warmer: a dry run steps a tick of the first symbol and encodes it with the given encoder', () => {
  const encoder = new FrameEncoder('binary');
  const warmer = new FeedWarmer({ market: MARKET, encoder, intervalMs: 1 });
  warmer.run();
  // the encoder's last frame is the dry tick's
  const buffer = encoder.encoder.buffer;
  const tick = new MessageDecoder().decode(buffer, FRAME_HEADER_BYTES, buffer.readUInt32BE(0));
  assert.equal(tick.type, MessageType.MARKET_DATA);
  assert.equal(tick.type === MessageType.MARKET_DATA ? tick.symbol : '', 'AAPL');
});

test('feed warmer: its timer runs it until stopped', async () => {
  const warmer = new FeedWarmer({ market: MARKET, encoder: new FrameEncoder('binary'), intervalMs: 1 });
  warmer.start();
  try {
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (warmer.runs < 5) return;
        clearInterval(poll);
        resolve();
      }, 1);
    });
  } finally {
    warmer.stop();
  }
  const runs = warmer.runs;
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(warmer.runs, runs, 'no run after stop');
});

test('feed warmer: a dry run allocates nothing', async () => {
  const warmer = new FeedWarmer({ market: MARKET, encoder: new FrameEncoder('binary'), intervalMs: 1 });
  const perRound = await collectionsPerRound((count) => {
    for (let i = 0; i < count; i++) warmer.run();
  });
  assert.equal(perRound.at(-1), 0, `collections per round of dry runs: ${perRound.join(', ')}`);
});
