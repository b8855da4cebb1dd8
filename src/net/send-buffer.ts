/**
 * The kernel send buffer of a server's socket, held small while its peer has not shown that
 * it reads (OutboundQueue's probation) and given back to the kernel's autotuning once it has.
 *
 * Why: Linux grows a TCP socket's send buffer by itself (tcp_wmem autotuning, up to its
 * maximum, 4 MiB by default), for a peer that reads nothing too: its send queue fills to
 * that size and stays there. 2,000 never-reading clients of a `--rate max` gateway held
 * 2 GB of kernel memory that way, past the host's tcp_mem limit ("TCP: out of memory" in
 * the kernel log): every TCP socket of the host then slowed down, the one reader that kept
 * up included, and sockets of unrelated processes were aborted. Our own memory budgets
 * cannot see these bytes: they are the kernel's, not the process's.
 *
 * SO_SNDBUF fixes the size and locks it; SO_BUF_LOCK (Linux 5.14) unlocks it again. Node has
 * no call for either on a TCP socket, so the addon (native/shm.c) does them on the socket's
 * descriptor. Where the kernel cannot unlock, nothing is limited (a reader must not stay
 * held to the small buffer); everything here is best effort and never throws.
 */
import type { Socket } from 'node:net';
import { constants } from 'node:os';
import { loadNativeAddon } from '../core/native-addon.js';

interface SendBufferAddon {
  /** bytes > 0: SO_SNDBUF (locked); 0: unlock. The kernel's size after, or -errno. */
  setSendBuffer(fd: number, bytes: number): number;
  /** 1 locked, 0 not, or -errno (ENOPROTOOPT: a kernel before 5.14). */
  sendBufferLocked(fd: number): number;
}

const ENOPROTOOPT = constants.errno.ENOPROTOOPT;

/** Whether the addon is there and the kernel can unlock a send buffer; decided on first use. */
let available: boolean | undefined;

function addonFor(fd: number): SendBufferAddon | undefined {
  if (fd < 0 || available === false) return undefined;
  let addon: SendBufferAddon | undefined;
  try {
    addon = loadNativeAddon() as SendBufferAddon | undefined;
  } catch {
    addon = undefined;
  }
  if (available === undefined) {
    if (addon === undefined || typeof addon.sendBufferLocked !== 'function') available = false;
    else {
      const probe = addon.sendBufferLocked(fd);
      if (probe === -ENOPROTOOPT) available = false;
      else if (probe >= 0) available = true;
      // anything else (the socket already gone): decide on the next one
      else return undefined;
    }
  }
  return available ? addon : undefined;
}

/** The socket's file descriptor (plain TCP and TLS alike on Linux), or -1. */
function socketFd(socket: Socket): number {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } | null })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : -1;
}

/**
 * Hold the socket's kernel send buffer to `bytes` (the kernel doubles it for its bookkeeping)
 * and stop the kernel from growing it. False when this is not available here.
 */
export function limitSendBuffer(socket: Socket, bytes: number): boolean {
  const fd = socketFd(socket);
  const addon = addonFor(fd);
  return addon !== undefined && addon.setSendBuffer(fd, bytes) > 0;
}

/** Let the kernel size the socket's send buffer again (autotuning). False when not available. */
export function releaseSendBuffer(socket: Socket): boolean {
  const fd = socketFd(socket);
  const addon = addonFor(fd);
  return addon !== undefined && addon.setSendBuffer(fd, 0) > 0;
}

/** Whether the socket's send buffer is held (locked) now; undefined when that cannot be known here. */
export function sendBufferLimited(socket: Socket): boolean | undefined {
  const fd = socketFd(socket);
  const addon = addonFor(fd);
  if (addon === undefined) return undefined;
  const locked = addon.sendBufferLocked(fd);
  return locked < 0 ? undefined : locked === 1;
}
