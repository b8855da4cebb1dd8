/**
 * The binary codec: binary-encoder.ts writes, binary-decoder.ts reads, binary-layout.ts
 * is the single source of offsets for both. See README.md beside this file for how to
 * add a message type.
 */
export { BinaryEncoder, binaryPayloadLength, hasBinaryLayout } from './binary-encoder.js';
export { BinaryDecoder, checkBinaryMagic } from './binary-decoder.js';
export type { BinaryDecoderOptions } from './binary-decoder.js';
