/**
 * One line per event: time, level, component, message, then key=value fields.
 *   2026-11-25T06:10:00.123Z INFO  gateway      listening host=127.0.0.1 port=5555
 * Lines go to stderr so that stdout stays free for a command's own output (tables, JSON).
 * Level from TRADING_LOG_LEVEL (debug, info, warn, error, silent); default info.
 * Never pass secrets as fields: everything given here is printed.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFields = Record<string, string | number | boolean | bigint | null | undefined>;

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

function levelFromEnv(): LogLevel {
  const raw = process.env['TRADING_LOG_LEVEL'];
  return raw !== undefined && raw in LEVEL_RANK ? (raw as LogLevel) : 'info';
}

let threshold = LEVEL_RANK[levelFromEnv()];
let sink: (line: string) => void = (line) => {
  process.stderr.write(line + '\n');
};

export function setLogLevel(level: LogLevel): void {
  threshold = LEVEL_RANK[level];
}

/** Redirect log lines (tests, the supervisor's terminal view). */
export function setLogSink(next: (line: string) => void): void {
  sink = next;
}

function formatValue(value: LogFields[string]): string {
  const text = String(value);
  return /[\s="]/.test(text) || text === '' ? JSON.stringify(text) : text;
}

export function formatFields(fields: LogFields | undefined): string {
  if (fields === undefined) return '';
  let out = '';
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    if (value === undefined) continue;
    out += ` ${key}=${formatValue(value)}`;
  }
  return out;
}

export class Logger {
  readonly component: string;

  constructor(component: string) {
    this.component = component;
  }

  child(suffix: string): Logger {
    return new Logger(`${this.component}.${suffix}`);
  }

  debug(message: string, fields?: LogFields): void {
    this.#emit('debug', message, fields);
  }

  info(message: string, fields?: LogFields): void {
    this.#emit('info', message, fields);
  }

  warn(message: string, fields?: LogFields): void {
    this.#emit('warn', message, fields);
  }

  error(message: string, fields?: LogFields): void {
    this.#emit('error', message, fields);
  }

  #emit(level: Exclude<LogLevel, 'silent'>, message: string, fields: LogFields | undefined): void {
    if (LEVEL_RANK[level] < threshold) return;
    const time = new Date().toISOString();
    sink(`${time} ${level.toUpperCase().padEnd(5)} ${this.component.padEnd(12)} ${message}${formatFields(fields)}`);
  }
}

export function createLogger(component: string): Logger {
  return new Logger(component);
}
