/**
 * `trading bench` / `npm run bench`: runs the benchmark suite and prints one table (and,
 * with --json FILE, one flat JSON object of figures). `--only NAME[,NAME]` runs some.
 * `--scale F` shrinks the work for a quick look (figures then are rougher); `--quick` is
 * the smoke run: scale 0.1, every benchmark once, a minute or two.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { taskCommand } from '../command/command.js';
import { type Schema } from '../config/schema.js';
import { describeError } from '../core/errors.js';
import { formatTable } from '../core/format.js';
import { BENCHMARKS } from './registry.js';
import type { BenchRow } from './types.js';

const QUICK_SCALE = 0.1;

const schema = {
  only: { kind: 'optional-string', description: `run only these benchmarks (comma-separated)` },
  json: { kind: 'optional-string', description: 'also write the figures as one flat JSON object to this file' },
  scale: { kind: 'number', default: 1, min: 0.01, max: 10, description: 'work multiplier (0.1 = quick look)' },
  quick: { kind: 'boolean', default: false, description: 'a smoke run: every benchmark at scale 0.1 (rough figures)' },
} as const satisfies Schema;

export const main = taskCommand({
  name: 'bench',
  schema,
  configFlag: '',
  helpFooter: () => `benchmarks: ${BENCHMARKS.map((b) => b.name).join(', ')}`,
  settle: (config, problems) => {
    const known = BENCHMARKS.map((b) => b.name);
    const wanted = config.only?.split(',').map((s) => s.trim()) ?? known;
    const unknown = wanted.filter((name) => !known.includes(name));
    if (unknown.length > 0) problems.push(`--only: unknown benchmark ${unknown.join(', ')} (known: ${known.join(', ')})`);
    return { ...config, wanted, scale: config.quick ? QUICK_SCALE : config.scale };
  },
  task: runBenchmarks,
});

async function runBenchmarks(config: { wanted: string[]; scale: number; quick: boolean; json: string | undefined }): Promise<number> {
  const { wanted, scale } = config;
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  const header = `ipc-trading bench — Node ${process.version}, ${availableParallelism()} cores (${cpu}), ${process.platform}/${process.arch}, scale ${scale}${config.quick ? ' (--quick)' : ''}`;
  process.stdout.write(`${header}\n\n`);

  const rows: BenchRow[] = [];
  const figures: Record<string, number | string> = {
    node_version: process.version,
    cores: availableParallelism(),
    started_at: new Date().toISOString(),
  };
  let failures = 0;
  for (const bench of BENCHMARKS.filter((b) => wanted.includes(b.name))) {
    process.stderr.write(`[bench] ${bench.name}: ${bench.description}\n`);
    const startedMs = performance.now();
    try {
      const result = await bench.run({ scale, log: (message) => process.stderr.write(`[bench] ${bench.name}: ${message}\n`) });
      rows.push(...result.rows);
      Object.assign(figures, result.figures);
      process.stderr.write(`[bench] ${bench.name}: done in ${((performance.now() - startedMs) / 1000).toFixed(1)} s\n`);
    } catch (err) {
      failures += 1;
      rows.push({ metric: bench.name, value: `FAILED: ${describeError(err)}` });
      process.stderr.write(`[bench] ${bench.name}: failed: ${describeError(err)}\n`);
    }
  }
  const table = formatTable(
    ['metric', 'measured', 'target', 'seed', 'conditions'],
    rows.map((r) => [r.metric, r.value, r.target ?? '', r.seed ?? '', r.notes ?? '']),
  );
  process.stdout.write(`${table}\n`);
  if (config.json !== undefined) {
    writeFileSync(config.json, JSON.stringify(figures, null, 2) + '\n');
    process.stdout.write(`\nfigures written to ${config.json}\n`);
  }
  return failures === 0 ? 0 : 1;
}
