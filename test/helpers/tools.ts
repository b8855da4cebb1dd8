/**
 * Programs some tests need from the distribution: chromium (the dashboard in a browser),
 * nats-server (the bus), promtool (the /metrics format check). Each is found on PATH, or
 * taken from its environment variable, and nowhere else: a run with a PATH without it shows
 * exactly what a machine without it does. A test whose tool is missing skips, naming the
 * tool, what it is for and how to get it (.ci/run installs all three).
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface Tool {
  /** The program's name on PATH. */
  name: string;
  /** An environment variable that names the program's path instead (set empty: missing). */
  envVar: string;
  /** The Debian package that ships it. */
  debianPackage: string;
  /** The tests that need it, as the skip message says it. */
  neededBy: string;
}

export const CHROMIUM: Tool = { name: 'chromium', envVar: 'CHROMIUM_PATH', debianPackage: 'chromium', neededBy: 'the dashboard browser tests' };
export const NATS_SERVER: Tool = { name: 'nats-server', envVar: 'NATS_SERVER_PATH', debianPackage: 'nats-server', neededBy: 'the bus tests' };
export const PROMTOOL: Tool = { name: 'promtool', envVar: 'PROMTOOL_PATH', debianPackage: 'prometheus', neededBy: 'the /metrics format check' };

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The tool's path, or undefined where it is missing. */
export function findTool(tool: Tool): string | undefined {
  const given = process.env[tool.envVar];
  if (given !== undefined) return given !== '' && executable(given) ? given : undefined;
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const path = join(dir, tool.name);
    if (executable(path)) return path;
  }
  return undefined;
}

/** Why the tests that need `tool` skip here (a test's `skip` option), or false when it is there. */
export function toolSkip(tool: Tool): string | false {
  if (findTool(tool) !== undefined) return false;
  const where = process.env[tool.envVar] !== undefined ? `${tool.envVar}=${process.env[tool.envVar]} is not an executable` : `no ${tool.name} on PATH`;
  return `${where}: ${tool.neededBy} skipped (apt-get install ${tool.debianPackage}, as .ci/run does, or set ${tool.envVar})`;
}
