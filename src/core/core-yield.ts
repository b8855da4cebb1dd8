/**
 * Handing this core to the process we have just woken: sched_yield(2) through our addon
 * (native/shm.c `yieldCore`).
 *
 * A write to a loopback socket wakes the reader with the kernel's "sync" hint, which puts it
 * on the writer's core on the understanding that the writer sleeps next. A Node process
 * does not: after the write it finishes its handler, the stream's bookkeeping and the rest
 * of its event-loop turn, and the reader waits behind all of it (measured here: 20-40 µs a
 * hop on a cold core). Yielding once, right after a latency-critical write, lets the reader
 * run first; when nothing else is runnable on this core it returns at once.
 *
 * Where the addon lacks the export (a stale build; the loader warns once), `yieldCore` does
 * nothing and returns false.
 */
import { nativeAddonPart } from './native-addon.js';

interface YieldAddon {
  yieldCore(): number;
}

let addon: YieldAddon | null | undefined;

function native(): YieldAddon | null {
  if (addon === undefined) addon = nativeAddonPart<YieldAddon>(['yieldCore']);
  return addon;
}

/** Whether `yieldCore` can yield here (the addon is built with it). */
export function coreYieldAvailable(): boolean {
  return native() !== null;
}

/** sched_yield(): true when the call was made and succeeded. */
export function yieldCore(): boolean {
  const yielder = native();
  return yielder !== null && yielder.yieldCore() === 0;
}
