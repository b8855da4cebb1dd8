/**
 * Child of the codec benchmark (codec-bench.ts): measures one codec in a process of its
 * own and sends the result to its parent over IPC.
 *   node codec-bench-child.js binary|json SCALE        (forked with an IPC channel)
 * Messages: { log: string } while it runs, then { result: BenchResult } or { error, code }.
 */
import { ErrorCode, describeError, isTradingError } from '../core/errors.js';
import { measureCodec } from './codec-measure.js';

export type CodecChildMessage = { log: string } | { result: Awaited<ReturnType<typeof measureCodec>> } | { error: string; code: string };

function send(message: CodecChildMessage): Promise<void> {
  return new Promise((resolve) => process.send?.(message, undefined, undefined, () => resolve()) ?? resolve());
}

const kind = process.argv[2];
const scale = Number(process.argv[3]);
if ((kind !== 'binary' && kind !== 'json') || !(scale > 0) || process.send === undefined) {
  process.stderr.write('usage: codec-bench-child binary|json SCALE (forked with an IPC channel)\n');
  process.exit(2);
}
try {
  const result = await measureCodec(kind, { scale, log: (text) => void send({ log: text }) });
  await send({ result });
} catch (error) {
  await send({ error: describeError(error), code: isTradingError(error) ? error.code : ErrorCode.BENCH_FAILED });
  process.exitCode = 1;
}
process.disconnect();
