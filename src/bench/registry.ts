/** Every benchmark of the suite, in the order the table shows them. */
import { shmBenchmark } from './shm-bench.js';
import { tcpBenchmark } from './tcp-bench.js';
import type { Benchmark } from './types.js';

export const BENCHMARKS: readonly Benchmark[] = [tcpBenchmark, shmBenchmark];
