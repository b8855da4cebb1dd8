// Long probes that do not belong in `npm test` (floods, 60 s soaks): runs every soak/*.js
// (or those whose name contains FILTER) one after another, against the built dist/.
//   npm run soak [-- FILTER]
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const filter = process.argv[2];
const files = readdirSync(join(root, 'soak'))
  .filter((name) => name.endsWith('.js') && (filter === undefined || name.includes(filter)))
  .sort();
if (files.length === 0) {
  console.error(`no soak files${filter === undefined ? '' : ` matching ${filter}`} in soak/`);
  process.exit(1);
}
let failed = 0;
for (const file of files) {
  console.log(`\n=== soak/${file}`);
  const result = spawnSync(process.execPath, [join(root, 'soak', file)], { stdio: 'inherit' });
  if (result.status !== 0) failed += 1;
}
process.exit(failed === 0 ? 0 : 1);
