/**
 * Codec throughput and allocation: encode + decode of a 5-level MARKET_DATA, binary and
 * the seed's JSON (codec-measure.ts says how). Each codec is measured in a process of its
 * own (codec-bench-child.ts), one after the other, so that neither sees the benchmark
 * loops compiled for the other.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ErrorCode, TradingError } from '../core/errors.js';
import type { PayloadKind } from '../protocol/codec.js';
import { childExited } from '../supervisor/child-protocol.js';
import type { CodecChildMessage } from './codec-bench-child.js';
import type { BenchContext, BenchResult, Benchmark } from './types.js';

const CHILD_SCRIPT = fileURLToPath(new URL('./codec-bench-child.js', import.meta.url));
/**
 * V8 optimises hot functions on a background thread by default; on a loaded machine that
 * thread can lag, and until the optimised loop is installed the interpreter boxes its
 * floating-point numbers (the allocation window then sees a collection, or bytes the codecs
 * never allocate). Compiled on the main thread, the loop is optimised once it is hot,
 * whatever the load: in the warm-up, before anything is timed or counted.
 */
const CHILD_V8_FLAGS = ['--no-concurrent-recompilation'];

export const codecBenchmark: Benchmark = {
  name: 'codec',
  description: 'encode + decode of a 5-level MARKET_DATA, binary and JSON, each in a process of its own',
  run: runCodecBenchmark,
};

async function runCodecBenchmark(context: BenchContext): Promise<BenchResult> {
  const result: BenchResult = { rows: [], figures: {} };
  for (const kind of ['binary', 'json'] as const) {
    const { rows, figures } = await measureInChild(kind, context);
    result.rows.push(...rows);
    Object.assign(result.figures, figures);
  }
  return result;
}

/** One codec measured by a child process; its log lines are passed on as they come. */
async function measureInChild(kind: PayloadKind, context: BenchContext): Promise<BenchResult> {
  const child = fork(CHILD_SCRIPT, [kind, String(context.scale)], { execArgv: CHILD_V8_FLAGS, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let outcome: BenchResult | TradingError | undefined;
  child.on('message', (message: CodecChildMessage) => {
    if ('log' in message) context.log(message.log);
    else if ('result' in message) outcome = message.result;
    else outcome = new TradingError(ErrorCode.BENCH_FAILED, `codec ${kind}: ${message.error} (${message.code})`);
  });
  const exit = await childExited(child);
  if (outcome instanceof TradingError) throw outcome;
  if (outcome === undefined) throw new TradingError(ErrorCode.BENCH_FAILED, `codec ${kind}: the measuring process exited (${exit}) without a result`);
  return outcome;
}
