// The structure checks' tests (layers, file size) run a check script of scripts/ on a tree
// made for the test, as `npm test` runs it on the repository.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/resources.js';

/** A temporary tree (cleaned up by cleanupAll) holding these files. */
export function tree(label: string, files: Record<string, string>): string {
  const dir = tempDir(label);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** Run scripts/<script> with --cwd dir: its exit status and everything it printed. */
export function runCheck(script: string, dir: string): { status: number | null; output: string } {
  const path = resolve(dirname(fileURLToPath(import.meta.url)), '../../../scripts', script);
  const result = spawnSync(process.execPath, [path, '--cwd', dir], { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
