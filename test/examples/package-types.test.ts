/**
 * A TypeScript strategy outside the project gets its types from the package:
 * `import type { Strategy } from 'ipc-trading'` compiles (and a wrong one does not).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const dir = mkdtempSync(join(tmpdir(), 'ipct-types-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const GOOD = `
import type { MarketData, OrderClosedReason, OrderView, Strategy, StrategyContext } from 'ipc-trading';
export default class Buyer implements Strategy {
  readonly name = 'buyer';
  onTick(tick: MarketData, ctx: StrategyContext): void {
    const book = ctx.createBook();
    if (ctx.readBook(tick.symbol, book) !== 'live') return;
    ctx.sendOrder({ symbol: tick.symbol, side: ctx.Side.BUY, orderType: ctx.OrderType.LIMIT, timeInForce: ctx.TimeInForce.IOC, price: book.askPrices[0] ?? 0, quantity: 1 });
  }
  onNews(): void {}
  onExecution(): void {}
  onOrderClosed(order: OrderView, reason: OrderClosedReason): void {
    if (reason === 'lost') console.log(order.orderId);
  }
}
`;

function compile(source: string): { status: number | null; output: string } {
  writeFileSync(join(dir, 'strategy.ts'), source);
  const result = spawnSync(process.execPath, [TSC, '-p', dir], { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

test('import type { Strategy } from "ipc-trading" type-checks a strategy written outside the project', { timeout: 120_000 }, () => {
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'ipc-trading'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', noEmit: true, skipLibCheck: false, types: [] }, files: ['strategy.ts'] }),
  );
  const good = compile(GOOD);
  assert.equal(good.status, 0, good.output);
  const bad = compile(GOOD.replace("side: ctx.Side.BUY", "side: 'BUY'"));
  assert.notEqual(bad.status, 0, 'a wrong side is a type error');
  assert.match(bad.output, /not assignable to type 'Side'/);
});
