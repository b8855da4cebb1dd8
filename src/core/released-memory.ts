/**
 * Large buffers whose memory goes back to the system when they are released, not when the
 * garbage collector happens to find them: private anonymous mappings from our addon
 * (native/shm.c `anonymous`), unmapped by `releaseBuffer`.
 *
 * For what a peer makes a process hold and then abandons (a large frame arriving in pieces,
 * cut off by its deadline): a plain Buffer's memory returns only after a collection, which
 * an idle process may not run for minutes, and then into malloc's heap, which keeps it.
 * Where the addon is not built, or was built before it had these functions (the loader warns
 * once: E_ADDON_STALE), plain Buffers are used and nothing else changes.
 */
import { nativeAddonPart } from './native-addon.js';

interface MappingAddon {
  anonymous(sizeBytes: number): ArrayBuffer;
  close(buffer: ArrayBuffer): void;
  trim(): boolean;
}

let addon: MappingAddon | null | undefined;

function mappings(): MappingAddon | null {
  if (addon === undefined) addon = nativeAddonPart<MappingAddon>(['anonymous', 'close', 'trim']);
  return addon;
}

/** Whether buffers here are released mappings (the addon is built with `anonymous`); plain Buffers otherwise. */
export function releasableMemoryAvailable(): boolean {
  return mappings() !== null;
}

/** A zero-filled buffer of `sizeBytes` whose memory releaseBuffer() gives back at once (a plain Buffer without the addon). */
export function allocateReleasable(sizeBytes: number): Buffer {
  const native = mappings();
  if (native === null) return Buffer.allocUnsafe(sizeBytes);
  try {
    return Buffer.from(native.anonymous(sizeBytes));
  } catch {
    // out of address space or a refused size: an ordinary buffer still works
    return Buffer.allocUnsafe(sizeBytes);
  }
}

/**
 * Give a buffer from allocateReleasable back now: every view of it becomes empty. A plain
 * Buffer (the fallback) is left to the garbage collector. Idempotent.
 */
export function releaseBuffer(buffer: Buffer): void {
  const native = mappings();
  const memory = buffer.buffer;
  if (native === null || buffer.byteLength === 0 || !(memory instanceof ArrayBuffer)) return;
  try {
    native.close(memory);
  } catch {
    // not one of ours (EINVAL): the collector frees it
  }
}

/**
 * Give malloc's free memory back to the system (glibc's malloc_trim): after a burst of
 * connections is gone, their freed memory otherwise stays in the process. Takes a few
 * milliseconds on a large heap: call it after bursts, not per event. False when nothing
 * was released or this cannot be done here.
 */
export function returnFreedMemory(): boolean {
  const native = mappings();
  return native !== null && native.trim();
}
