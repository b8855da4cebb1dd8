/**
 * One line per event: time, level, component, message, then key=value fields.
 *   2026-11-25T06:10:00.123Z INFO  gateway      listening host=127.0.0.1 port=5555
 * Lines go to stderr so that stdout stays free for a command's own output (tables, JSON).
 * Level from TRADING_LOG_LEVEL (debug, info, warn, error, silent); default info.
 * Format from TRADING_LOG_FORMAT (`trading --log-format`): `text` (the default, above) or
 * `json`, one object per line for log shippers:
 *   {"time":"2026-11-25T06:10:00.123Z","level":"info","component":"gateway","message":"listening","fields":{"host":"127.0.0.1","port":5555}}
 * Never pass secrets as fields: everything given here is printed.
 *
 * Escaping. Field values and messages often carry client-supplied text (names, order ids,
 * reasons). Control characters (C0, DEL, C1) and the Unicode line separators in them are
 * written as escapes (\u001b, \n ...), so no client can colour, rewrite or split a log
 * line, or forge one of its own.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFormat = 'text' | 'json';
export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];
export type LogFields = Record<string, string | number | boolean | bigint | null | undefined>;

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

function levelFromEnv(): LogLevel {
  const raw = process.env['TRADING_LOG_LEVEL'];
  return raw !== undefined && raw in LEVEL_RANK ? (raw as LogLevel) : 'info';
}

let threshold = LEVEL_RANK[levelFromEnv()];
let format: LogFormat = process.env['TRADING_LOG_FORMAT'] === 'json' ? 'json' : 'text';

/** Text lines or JSON objects, from here on (the process's children follow TRADING_LOG_FORMAT). */
export function setLogFormat(next: LogFormat): void {
  format = next;
}

export function logFormat(): LogFormat {
  return format;
}
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

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
// eslint-disable-next-line no-control-regex
const CONTROL_GLOBAL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

function escapeControl(character: string): string {
  return '\\u' + character.charCodeAt(0).toString(16).padStart(4, '0');
}

/**
 * `text` with every control character escaped (\u001b for ESC, and so on): safe to put in
 * one log line whatever a client sent. Text without one comes back as it is.
 */
export function escapeLogText(text: string): string {
  return CONTROL.test(text) ? text.replace(CONTROL_GLOBAL, escapeControl) : text;
}

/**
 * A message keeps the continuation lines our own multi-line texts use (a newline followed
 * by indentation, as in the list of bad configuration fields): an indented line can never
 * pass for a log line of its own, which starts with a time. Every other control character
 * is escaped, as in fields.
 */
export function escapeLogMessage(message: string): string {
  if (!CONTROL.test(message)) return message;
  return message.replace(CONTROL_GLOBAL, (character, offset: number) =>
    character === '\n' && message.charCodeAt(offset + 1) === 0x20 ? character : escapeControl(character),
  );
}

function formatValue(value: LogFields[string]): string {
  const text = String(value);
  // JSON.stringify leaves DEL, C1 and U+2028/9 raw: escape those too
  if (/[\s="]/.test(text) || text === '') return escapeLogText(JSON.stringify(text));
  return escapeLogText(text);
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
    if (format === 'json') {
      sink(formatJsonLine(time, level, this.component, message, fields));
      return;
    }
    sink(`${time} ${level.toUpperCase().padEnd(5)} ${this.component.padEnd(12)} ${escapeLogMessage(message)}${formatFields(fields)}`);
  }
}

/**
 * One JSON object: time, level, component, message, fields. JSON.stringify escapes C0
 * controls; DEL, C1 and the line separators are escaped too, so a line stays one line.
 */
export function formatJsonLine(time: string, level: string, component: string, message: string, fields?: LogFields): string {
  const out: Record<string, string | number | boolean | null> = {};
  if (fields !== undefined) {
    for (const key of Object.keys(fields)) {
      const value = fields[key];
      if (value === undefined) continue;
      out[key] = typeof value === 'bigint' ? value.toString() : value;
    }
  }
  return escapeLogText(JSON.stringify({ time, level, component, message, fields: out }));
}

export function createLogger(component: string): Logger {
  return new Logger(component);
}
