/**
 * The other process of the shm benchmark: creates a book segment and writes a changing
 * 10-level book to slot 0 as fast as it can until its deadline or until it is killed.
 * Says "ready" on stdout after its first write.
 *   node shm-bench-writer.js NAME DEPTH DEADLINE_MS
 */
import { createL2Book } from '../core/book.js';
import { BookWriter } from '../shm/book-writer.js';

const [name, depthArg, deadlineArg] = process.argv.slice(2);
if (name === undefined) {
  process.stderr.write('usage: shm-bench-writer NAME DEPTH DEADLINE_MS\n');
  process.exit(2);
}
const depth = Number(depthArg ?? 10);
const deadlineMs = performance.now() + Number(deadlineArg ?? 30_000);
const writer = BookWriter.create({ name, symbols: ['BENCH'], depth });
writer.setFeedConnected(true);
const book = createL2Book(depth);
book.bidCount = depth;
book.askCount = depth;
let sequence = 0;
const writeOnce = (): void => {
  sequence++;
  for (let i = 0; i < depth; i++) {
    book.bidPrices[i] = 1_000_000 + sequence - i;
    book.bidSizes[i] = 100 + i;
    book.askPrices[i] = 1_000_001 + sequence + i;
    book.askSizes[i] = 200 + i;
  }
  book.sequence = sequence;
  book.lastPrice = 1_000_000 + sequence;
  writer.write(0, book);
};
writeOnce();
process.stdout.write('ready\n');
while (performance.now() < deadlineMs) {
  for (let i = 0; i < 4096; i++) writeOnce();
}
writer.close();
writer.unlink();
