/**
 * The POSIX shared-memory part of our addon (native/shm.c, loaded by core/native-addon.ts),
 * wrapped with types and TradingErrors. A segment reaches JavaScript as an ArrayBuffer whose
 * memory is the MAP_SHARED mapping itself: typed arrays and Atomics over it see other
 * processes' stores.
 */
import { ErrorCode, TradingError } from '../core/errors.js';
import { NATIVE_ADDON_PATH, loadNativeAddon } from '../core/native-addon.js';

interface ShmAddon {
  create(name: string, sizeBytes: number): ArrayBuffer;
  open(name: string): ArrayBuffer;
  close(buffer: ArrayBuffer): void;
  unlink(name: string): void;
  readonly maxSizeBytes: number;
}

/** An error thrown by the addon: errno name in `code`, segment name in `path`. */
interface AddonError extends Error {
  code?: string;
  errno?: number;
  syscall?: string;
  path?: string;
}

/** A failed shared-memory operation: a TradingError that keeps the errno and the segment name. */
export class ShmError extends TradingError {
  /** The errno name the system gave (ENOENT, EEXIST, EACCES, EINVAL, ...). */
  readonly errno: string;
  /** The system call that failed (shm_open, ftruncate, mmap, ...). */
  readonly syscall: string;
  /** The segment's name ('/...'), or '' when the name itself was unusable. */
  readonly shmName: string;

  constructor(code: ErrorCode, message: string, details: { errno: string; syscall: string; shmName: string; cause?: unknown }) {
    super(code, message, { cause: details.cause });
    this.name = 'ShmError';
    this.errno = details.errno;
    this.syscall = details.syscall;
    this.shmName = details.shmName;
  }
}

const CODE_FOR_ERRNO: Readonly<Record<string, ErrorCode>> = {
  EEXIST: ErrorCode.SHM_EXISTS,
  ENOENT: ErrorCode.SHM_NOT_FOUND,
  EACCES: ErrorCode.SHM_ACCESS,
  EPERM: ErrorCode.SHM_ACCESS,
  EINVAL: ErrorCode.SHM_INVALID,
  ENAMETOOLONG: ErrorCode.SHM_INVALID,
  ENODATA: ErrorCode.SHM_NOT_READY,
};

function toShmError(err: unknown, fallbackName: string): ShmError {
  const addonError = err as AddonError;
  const errno = typeof addonError.code === 'string' ? addonError.code : 'EUNKNOWN';
  const code = CODE_FOR_ERRNO[errno] ?? ErrorCode.SHM_SYSTEM;
  const message = addonError instanceof Error ? addonError.message : String(err);
  return new ShmError(code, message, {
    errno,
    syscall: addonError.syscall ?? '',
    shmName: addonError.path ?? fallbackName,
    cause: err,
  });
}

function loadAddon(): ShmAddon {
  const addon = loadNativeAddon();
  if (addon === undefined) {
    throw new ShmError(ErrorCode.SHM_SYSTEM, `shared-memory addon not built: ${NATIVE_ADDON_PATH} is missing (run npm install)`, {
      errno: 'ENOENT',
      syscall: 'dlopen',
      shmName: '',
    });
  }
  return addon as ShmAddon;
}

/** Largest segment the addon maps, bytes. */
export function maxSegmentBytes(): number {
  return loadAddon().maxSizeBytes;
}

/**
 * Create a new segment of `sizeBytes` (zero-filled), owner-only (0600), and map it.
 * E_SHM_EXISTS if the name is taken; E_SHM_INVALID for a bad name or size.
 */
export function createSegment(name: string, sizeBytes: number): ArrayBuffer {
  const shm = loadAddon();
  try {
    return shm.create(name, sizeBytes);
  } catch (err) {
    throw toShmError(err, name);
  }
}

/**
 * Map an existing segment, whole (its size comes from the segment).
 * E_SHM_NOT_FOUND if absent; E_SHM_NOT_READY if its creator has not sized it yet.
 */
export function openSegment(name: string): ArrayBuffer {
  const shm = loadAddon();
  try {
    return shm.open(name);
  } catch (err) {
    throw toShmError(err, name);
  }
}

/**
 * Unmap a segment. The buffer is detached first, so every typed array over it becomes
 * empty rather than dangling. Idempotent: closing a closed buffer does nothing.
 */
export function closeSegment(buffer: ArrayBuffer): void {
  const shm = loadAddon();
  try {
    shm.close(buffer);
  } catch (err) {
    throw toShmError(err, '');
  }
}

/** Remove a segment's name. Processes that mapped it keep their mapping until they close it. */
export function unlinkSegment(name: string): void {
  const shm = loadAddon();
  try {
    shm.unlink(name);
  } catch (err) {
    throw toShmError(err, name);
  }
}
