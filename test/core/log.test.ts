import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Logger, escapeLogText, setLogSink } from '../../src/core/log.js';

function capture(run: (log: Logger) => void): string[] {
  const lines: string[] = [];
  setLogSink((line) => lines.push(line));
  try {
    run(new Logger('test'));
  } finally {
    setLogSink((line) => process.stderr.write(line + '\n'));
  }
  return lines;
}

test('client-supplied control characters never reach a log line raw', () => {
  const hostile = 'evil\u001b[2J\r\nFAKE 2026-01-01 ERROR forged\u0007\u007f\u0085\u2028';
  const lines = capture((log) => {
    log.info(`client said ${hostile}`, { name: hostile, plain: 'x\u001by' });
  });
  assert.equal(lines.length, 1);
  const line = lines[0] ?? '';
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(line, /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
  assert.match(line, /evil\\u001b\[2J/);
  assert.match(line, /plain=x\\u001by/);
  assert.match(line, /\\u0085/);
  assert.match(line, /\\u2028/);
});

test('ordinary text is left as it is', () => {
  assert.equal(escapeLogText('strategy-1 ORD.42'), 'strategy-1 ORD.42');
  assert.equal(escapeLogText('a\tb'), 'a\\u0009b');
  const lines = capture((log) => log.info('hello', { name: 'strategy', spaced: 'a b' }));
  assert.match(lines[0] ?? '', /hello name=strategy spaced="a b"$/);
});

test('a message keeps its indented continuation lines, and only those', () => {
  const lines = capture((log) => log.error('invalid configuration:\n  --shm: required\nFAKE line'));
  assert.equal(lines.length, 1);
  assert.match(lines[0] ?? '', /invalid configuration:\n {2}--shm: required\\u000aFAKE line$/);
});
