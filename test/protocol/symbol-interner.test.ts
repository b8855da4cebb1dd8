import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_INTERNER_CAPACITY, SymbolInterner } from '../../src/protocol/symbol-interner.js';

/** The 8 zero-padded symbol bytes as the binary layout carries them. */
function symbolBytes(symbol: string): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.write(symbol, 'latin1');
  return bytes;
}

function intern(interner: SymbolInterner, symbol: string): string | undefined {
  const bytes = symbolBytes(symbol);
  return interner.intern(new DataView(bytes.buffer, bytes.byteOffset, 8), 0, bytes, 0);
}

test('a 10,000-symbol universe is interned once: a second round allocates nothing', () => {
  const interner = new SymbolInterner();
  const symbols = Array.from({ length: 10_000 }, (_, i) => `S${String(i).padStart(5, '0')}`);
  for (const symbol of symbols) assert.equal(intern(interner, symbol), symbol);
  const misses = interner.misses;
  assert.equal(misses, 10_000);
  for (const symbol of symbols) assert.equal(intern(interner, symbol), symbol);
  assert.equal(interner.misses, misses, 'no symbol of the second round missed');
  assert.ok(interner.capacity >= 2 * 10_000 && interner.capacity <= MAX_INTERNER_CAPACITY, `capacity ${interner.capacity}`);
});

test('garbage never grows the table past its maximum, and known symbols still resolve', () => {
  const interner = new SymbolInterner(16);
  for (let i = 0; i < 100_000; i++) assert.equal(intern(interner, `G${i.toString(36).toUpperCase()}`), `G${i.toString(36).toUpperCase()}`);
  assert.equal(interner.capacity, MAX_INTERNER_CAPACITY);
  assert.equal(intern(interner, 'AAPL'), 'AAPL');
  const misses = interner.misses;
  assert.equal(intern(interner, 'AAPL'), 'AAPL');
  assert.equal(interner.misses, misses);
  assert.equal(intern(interner, 'bad!'), undefined, 'invalid bytes are refused, not stored');
});
