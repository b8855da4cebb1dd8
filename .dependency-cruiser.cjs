/**
 * The layers of src/, checked by `npm test` (scripts/check-layers.js runs depcruise with
 * this file). A folder may import itself and folders of a LOWER rank only: an import up
 * or sideways fails the check. Every folder of src/ must be listed here, so a new one is
 * placed on purpose.
 *
 *   0  core                                   errors, clock, fixed point, log, harness
 *   1  config  protocol                       the config schema; framing and codecs
 *   2  command shm  net  market               the command helper; the book segment; TCP; the model
 *   3  session metrics bus                    on top of net/shm: handshake, counters, NATS
 *   4  gateway orderbook strategy ordermanager   the four processes
 *      dropcopy                               a reader of the order manager's executions stream
 *   5  dashboard replay                       beside the processes: watch them, or feed them a recording
 *   6  supervisor                             runs the processes (and serves the dashboard)
 *   7  bench tools stat                       on top: they may import anything, nothing imports them
 *
 * src/cli.ts sits above everything (it loads each command) and nothing imports it.
 */
const fs = require('node:fs');
const path = require('node:path');

const RANKS = {
  core: 0,
  config: 1,
  protocol: 1,
  command: 2,
  shm: 2,
  net: 2,
  market: 2,
  session: 3,
  metrics: 3,
  bus: 3,
  gateway: 4,
  orderbook: 4,
  strategy: 4,
  ordermanager: 4,
  dropcopy: 4,
  dashboard: 5,
  replay: 5,
  supervisor: 6,
  bench: 7,
  tools: 7,
  stat: 7,
};

// relative to the working directory, as depcruise names modules
const SRC = 'src';
const folders = fs.existsSync(SRC) ? fs.readdirSync(SRC).filter((entry) => fs.statSync(path.join(SRC, entry)).isDirectory()) : [];
const unplaced = folders.filter((folder) => !(folder in RANKS));
if (unplaced.length > 0) {
  throw new Error(`src/${unplaced.join(', src/')}: not in the layer table of .dependency-cruiser.cjs; give it a rank`);
}

const root = `^${SRC}/`;
const forbidden = [
  {
    name: 'no-circular',
    severity: 'error',
    comment: 'a cycle between modules',
    from: { path: root },
    to: { circular: true },
  },
  {
    name: 'nothing-imports-cli',
    severity: 'error',
    comment: 'src/cli.ts loads the commands; nothing loads it',
    from: { path: root },
    to: { path: `${root}cli\\.ts$` },
  },
];
for (const [folder, rank] of Object.entries(RANKS)) {
  const notBelow = Object.keys(RANKS).filter((other) => other !== folder && RANKS[other] >= rank);
  if (notBelow.length === 0) continue;
  forbidden.push({
    name: `layer-${folder}`,
    severity: 'error',
    comment: `src/${folder} (rank ${rank}) may import only folders of a lower rank`,
    from: { path: `${root}${folder}/` },
    to: { path: `${root}(${notBelow.join('|')})/` },
  });
}

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/' },
    tsPreCompilationDeps: true,
    ...(fs.existsSync('tsconfig.json') ? { tsConfig: { fileName: 'tsconfig.json' } } : {}),
    // compiled imports say .js: resolve them to the .ts sources
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
