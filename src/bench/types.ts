/**
 * The shape every benchmark shares. A benchmark is a program: it warms up, measures, and
 * returns rows for the printed table and flat figures for the JSON file. Benchmarks
 * report numbers; they assert nothing (tests do that).
 */
export interface BenchRow {
  /** What is measured, e.g. "shm write, 10 levels". */
  metric: string;
  /** The measured figure, formatted, e.g. "142 ns p50 / 310 ns p99". */
  value: string;
  /** The design target, e.g. "≤ 200 ns p50". */
  target?: string;
  /** The seed's figure for comparison, e.g. "12.8 µs (published) / 17.2 µs (here)". */
  seed?: string;
  /** Conditions: sample count, rates, message size. */
  notes?: string;
}

export interface BenchResult {
  rows: BenchRow[];
  /** Flat figures for --json, e.g. { shm_write_p50_ns: 142 }. Keys are snake_case with units. */
  figures: Record<string, number>;
}

export interface BenchContext {
  /** Scale the work down (e.g. 0.1 for a smoke run); 1 = the full benchmark. */
  scale: number;
  log: (message: string) => void;
}

export interface Benchmark {
  /** Short name used by `--only`, e.g. "shm", "codec", "tcp". */
  name: string;
  description: string;
  run(context: BenchContext): Promise<BenchResult>;
}
