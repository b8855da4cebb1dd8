/**
 * The checksum every journal line carries: its last field, `"crc32c":"<8 hex digits>"`,
 * the CRC-32C of the line's bytes before that field (from the opening `{` up to, not
 * including, the comma that starts it). The line stays one JSON object, so a reader that
 * knows nothing of checksums (the seed's, jq) still reads it.
 *
 *   {"execution_id":"E17",...,"book_sequence":5120,"crc32c":"1a2b3c4d"}\n
 *   └──────────────── checksummed ────────────────┘
 *
 * A line without the field is "unsealed": a log written before checksums existed. Recovery
 * accepts unsealed lines only before the first sealed one of a file (an old log that a
 * newer order manager went on appending to); anywhere after, it is corruption.
 */
import { crc32c } from '../core/crc32c.js';
import { ErrorCode, TradingError } from '../core/errors.js';

const FIELD = ',"crc32c":"';
const FIELD_BYTES = Buffer.from(FIELD, 'latin1');
/** `,"crc32c":"` + 8 hex digits + `"}` (the newline is not part of it). */
export const SEAL_BYTES = FIELD.length + 8 + 2;
const QUOTE = 0x22;
const CLOSE_BRACE = 0x7d;
const NEWLINE = 0x0a;
const HEX = Buffer.from('0123456789abcdef', 'latin1');

export type SealCheck = 'sealed' | 'unsealed' | 'bad';

/**
 * `buffer[start, end)` holds one JSON object line ending in `}\n`. Rewrite its end in
 * place into `,"crc32c":"…"}\n` and return the new end. The caller guarantees
 * SEAL_BYTES - 1 bytes of room past `end`.
 */
export function sealLineInPlace(buffer: Buffer, start: number, end: number): number {
  if (end - start < 3 || buffer[end - 1] !== NEWLINE || buffer[end - 2] !== CLOSE_BRACE) {
    throw new TradingError(ErrorCode.INTERNAL, 'journal line must be one JSON object ending in "}\\n"');
  }
  let at = end - 2; // the closing brace is replaced
  const crc = crc32c(buffer, start, at);
  at += FIELD_BYTES.copy(buffer, at);
  for (let shift = 28; shift >= 0; shift -= 4) buffer[at++] = HEX[(crc >>> shift) & 0xf] as number;
  buffer[at++] = QUOTE;
  buffer[at++] = CLOSE_BRACE;
  buffer[at++] = NEWLINE;
  return at;
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x61 + 10;
  return -1;
}

/** Check the line `bytes[start, end)` (no newline). */
export function checkLineSeal(bytes: Uint8Array, start: number, end: number): SealCheck {
  const fieldAt = end - SEAL_BYTES;
  if (fieldAt > start && bytes[end - 1] === CLOSE_BRACE && bytes[end - 2] === QUOTE) {
    let fieldMatches = true;
    for (let i = 0; i < FIELD_BYTES.length; i++) {
      if (bytes[fieldAt + i] !== FIELD_BYTES[i]) {
        fieldMatches = false;
        break;
      }
    }
    if (fieldMatches) {
      let stored = 0;
      for (let i = 0; i < 8; i++) {
        const digit = hexValue(bytes[fieldAt + FIELD_BYTES.length + i] as number);
        if (digit < 0) return 'bad';
        stored = stored * 16 + digit;
      }
      return crc32c(bytes, start, fieldAt) === stored ? 'sealed' : 'bad';
    }
  }
  // a damaged seal (a flipped byte in the field) must not pass as a line from before checksums
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).includes('"crc32c"') ? 'bad' : 'unsealed';
}

/** `line` (one JSON object, with or without its newline) sealed, newline included: for tools and tests. */
export function sealLine(line: string): string {
  const body = line.endsWith('\n') ? line : line + '\n';
  const buffer = Buffer.alloc(Buffer.byteLength(body) + SEAL_BYTES);
  const end = buffer.write(body, 0, 'utf8');
  return buffer.toString('utf8', 0, sealLineInPlace(buffer, 0, end));
}
