#!/usr/bin/env node
/**
 * The `trading` command. Each subcommand lives in its own module and is loaded only when
 * asked for, so `trading gateway` never loads the supervisor or the benchmarks.
 */
import { describeError } from './core/errors.js';
import { LOG_FORMATS, setLogFormat, type LogFormat } from './core/log.js';

type CommandMain = (argv: string[]) => Promise<number>;

interface CommandEntry {
  summary: string;
  load: () => Promise<CommandMain>;
}

const COMMANDS: Record<string, CommandEntry> = {
  gateway: { summary: 'stream the seeded market (market data and news) to every client', load: async () => (await import('./gateway/main.js')).main },
  orderbook: { summary: 'write the gateway\'s books into the shared-memory book', load: async () => (await import('./orderbook/main.js')).main },
  ordermanager: { summary: 'take orders: risk checks, execution against the shared book, durable trade log', load: async () => (await import('./ordermanager/main.js')).main },
  strategy: { summary: 'trade the gateway\'s ticks and news through the order manager', load: async () => (await import('./strategy/main.js')).main },
  stat: { summary: 'a running system\'s counters, read from shared memory (--json, --watch SECONDS)', load: async () => (await import('./stat/main.js')).main },
  dropcopy: { summary: 'print the order manager\'s durable fills from the NATS executions stream (--bus URL)', load: async () => (await import('./dropcopy/main.js')).main },
  run: { summary: 'run the whole system under a supervisor (what npm start runs)', load: async () => (await import('./supervisor/main.js')).main },
  dashboard: { summary: 'serve the live web dashboard of a running system (read-only)', load: async () => (await import('./dashboard/main.js')).main },
  calibrate: { summary: 'measure the seed strategy on the market model alone (trades/s, mark-outs, PnL per seed)', load: async () => (await import('./tools/calibrate.js')).main },
  record: { summary: 'record a gateway\'s stream into a recording file (--gateway HOST:PORT --out FILE)', load: async () => (await import('./replay/record-command.js')).main },
  import: { summary: 'turn a CSV of L2 snapshots into a recording (--csv FILE --out FILE)', load: async () => (await import('./replay/import-command.js')).main },
  backtest: { summary: 'run a strategy through the real processes on a recording, deterministically (--data FILE --strategy X)', load: async () => (await import('./supervisor/backtest-command.js')).main },
  auth: { summary: 'credentials: trading auth --add NAME --auth-file FILE makes a secret and stores its hash', load: async () => (await import('./session/auth-command.js')).main },
  bench: { summary: 'run the benchmark suite (--only NAME, --json FILE)', load: async () => (await import('./bench/main.js')).main },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length), 4);
  const lines = Object.entries(COMMANDS).map(([name, entry]) => `  ${name.padEnd(width)}  ${entry.summary}`);
  return ['usage: trading <command> [options]', '', 'commands:', ...lines, '', 'trading <command> --help for its options; every command takes --log-format text|json'].join('\n');
}

/**
 * `--log-format text|json`, taken out of argv wherever it stands: it applies to every
 * command, and through TRADING_LOG_FORMAT to the processes a command starts.
 */
function takeLogFormat(argv: string[]): string[] | string {
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    let value: string | undefined;
    if (arg === '--log-format') value = argv[++i] ?? '';
    else if (arg.startsWith('--log-format=')) value = arg.slice('--log-format='.length);
    else {
      rest.push(arg);
      continue;
    }
    if (!LOG_FORMATS.includes(value as LogFormat)) return `--log-format: expected one of ${LOG_FORMATS.join(', ')}, got "${value}"`;
    setLogFormat(value as LogFormat);
    process.env['TRADING_LOG_FORMAT'] = value;
  }
  return rest;
}

async function main(rawArgv: string[]): Promise<number> {
  const argv = takeLogFormat(rawArgv);
  if (typeof argv === 'string') {
    process.stderr.write(`trading: E_CONFIG_INVALID: ${argv}\n`);
    return 2;
  }
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name === undefined ? 2 : 0;
  }
  const entry = COMMANDS[name];
  if (entry === undefined) {
    process.stderr.write(`trading: unknown command '${name}'\n\n${usage()}\n`);
    return 2;
  }
  const run = await entry.load();
  return run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`trading: ${describeError(err)}\n`);
    process.exitCode = 1;
  },
);
