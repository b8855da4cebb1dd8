/**
 * What the supervisor shows while running. On a terminal: one live status line, redrawn in
 * place, with the children's log lines scrolling above it. Otherwise: plain lines, a
 * status line every `plainEveryMs`, nothing redrawn (so logs and CI output stay readable).
 */
export interface DisplayTarget {
  write(text: string): void;
  isTTY?: boolean;
  columns?: number;
}

export class Display {
  readonly #out: DisplayTarget;
  readonly #live: boolean;
  readonly #plainEveryMs: number;
  readonly #plainLine: (text: string) => string;
  #status = '';
  #lastPlainMs = 0;

  /** plainLine: how a status is written off a terminal (as is, or as a JSON log line). */
  constructor(out: DisplayTarget, plainEveryMs = 5_000, plainLine: (text: string) => string = (text) => text) {
    this.#out = out;
    this.#live = out.isTTY === true;
    this.#plainEveryMs = plainEveryMs;
    this.#plainLine = plainLine;
  }

  get live(): boolean {
    return this.#live;
  }

  /** A log line: printed whole, above the status line. */
  line(text: string): void {
    if (this.#live && this.#status !== '') this.#out.write(`\r\x1b[2K${text}\n${this.#status}`);
    else this.#out.write(`${text}\n`);
  }

  /** The current status; redrawn live, or printed as a plain line every plainEveryMs. */
  status(text: string, nowMs: number): void {
    if (this.#live) {
      const width = this.#out.columns ?? 120;
      this.#status = text.length > width - 1 ? text.slice(0, width - 1) : text;
      this.#out.write(`\r\x1b[2K${this.#status}`);
    } else if (nowMs - this.#lastPlainMs >= this.#plainEveryMs) {
      this.#lastPlainMs = nowMs;
      this.#out.write(`${this.#plainLine(text)}\n`);
    }
  }

  /** Leave the status line behind before the final output. */
  finish(): void {
    if (this.#live && this.#status !== '') this.#out.write('\n');
    this.#status = '';
  }
}

/** "[#####.....] 12/30 s" or "12 s" when there is no duration. */
export function progressBar(elapsedMs: number, durationMs: number, width = 20): string {
  const elapsed = Math.floor(elapsedMs / 1000);
  if (durationMs <= 0) return `${elapsed} s`;
  const done = Math.min(width, Math.round((elapsedMs / durationMs) * width));
  return `[${'#'.repeat(done)}${'.'.repeat(width - done)}] ${elapsed}/${Math.round(durationMs / 1000)} s`;
}
