/** Every benchmark of the suite, in the order the table shows them. */
import type { Benchmark } from './types.js';

export const BENCHMARKS: readonly Benchmark[] = [];
