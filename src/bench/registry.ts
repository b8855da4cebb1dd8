/** Every benchmark of the suite, in the order the table shows them. */
import { busBenchmark } from './bus-bench.js';
import { backtestBenchmark } from './backtest-bench.js';
import { codecBenchmark } from './codec-bench.js';
import { fanoutBenchmark } from './fanout-bench.js';
import { omBenchmark } from './om-bench.js';
import { scaleBenchmark } from './scale-bench.js';
import { shmBenchmark } from './shm-bench.js';
import { systemBenchmark } from './system-bench.js';
import { tcpBenchmark } from './tcp-bench.js';
import { tickToTradeBenchmark } from './tick-to-trade-bench.js';
import type { Benchmark } from './types.js';

export const BENCHMARKS: readonly Benchmark[] = [codecBenchmark, tcpBenchmark, shmBenchmark, omBenchmark, tickToTradeBenchmark, systemBenchmark, scaleBenchmark, fanoutBenchmark, busBenchmark, backtestBenchmark];
