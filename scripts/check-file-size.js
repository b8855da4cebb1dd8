// The file-size check of `npm test` (run by `npm run layers`): no file in src/ over 600
// lines (the style rule "a file does one thing"). Exits non-zero naming each file over,
// with its line count, largest first.
//   node scripts/check-file-size.js [--cwd DIR] [--max N]   (DIR: a tree with src/)
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { cwd: { type: 'string', default: repo }, max: { type: 'string', default: '600' } } });
const max = Number(values.max);
if (!Number.isInteger(max) || max < 1) {
  console.error(`check-file-size: --max must be a whole number of lines, not ${JSON.stringify(values.max)}`);
  process.exit(2);
}
const root = resolve(values.cwd);

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (entry.isFile()) yield path;
  }
}

/** Lines as `wc -l` counts them, plus a last line without its newline. */
function lineCount(text) {
  let lines = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lines++;
  return text.length > 0 && !text.endsWith('\n') ? lines + 1 : lines;
}

const over = [];
for (const path of files(join(root, 'src'))) {
  const lines = lineCount(readFileSync(path, 'utf8'));
  if (lines > max) over.push({ file: relative(root, path), lines });
}
if (over.length === 0) process.exit(0);
over.sort((a, b) => b.lines - a.lines);
for (const { file, lines } of over) console.error(`error file-size: ${file} has ${lines} lines (at most ${max}: split it along a seam)`);
console.error(`${over.length} file(s) in src/ over ${max} lines`);
process.exit(1);
