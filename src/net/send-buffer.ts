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
 * held to the small buffer); everything here is best effort and never throws (a stale
 * addon is refused before any server starts: core/native-addon.ts, E_ADDON_STALE).
 *
 * Where nothing can be held, the flood protection is weaker (a never-reading client again
 * pins up to tcp_wmem's maximum of kernel memory) and an operator must know: each call says
 * why (SendBufferHoldUnavailable), and the server reports it (frame-server.ts: one log line
 * per process and reason, and the send_buffer_hold_unavailable and send_buffer_holds_missed
 * metrics).
 */
import type { Socket } from 'node:net';
import { constants } from 'node:os';
import type { Logger } from '../core/log.js';
import { loadNativeAddon } from '../core/native-addon.js';

interface SendBufferAddon {
  /** bytes > 0: SO_SNDBUF (locked); 0: unlock. The kernel's size after, or -errno. */
  setSendBuffer(fd: number, bytes: number): number;
  /** 1 locked, 0 not, or -errno (ENOPROTOOPT: a kernel before 5.14). */
  sendBufferLocked(fd: number): number;
}

/**
 * Why a socket's kernel send buffer is not held (the `reason` label of the metric):
 * - kernel_before_5_14: no SO_BUF_LOCK, so a held buffer could never be given back;
 * - no_socket_fd: the socket has no `_handle.fd` (this Node does not expose its descriptor);
 * - no_addon: build/Release/shm.node is missing, or refused as stale (E_ADDON_STALE; a
 *   command refuses to start then, so this is a server run inside another program);
 * - setsockopt_failed: the kernel refused SO_SNDBUF on this socket.
 */
export type SendBufferHoldUnavailable = 'kernel_before_5_14' | 'no_socket_fd' | 'no_addon' | 'setsockopt_failed';

/** What each reason means for an operator, for the one log line that reports it. */
const HOLD_UNAVAILABLE_DETAIL: Readonly<Record<SendBufferHoldUnavailable, string>> = {
  kernel_before_5_14: 'the kernel has no SO_BUF_LOCK (Linux before 5.14)',
  no_socket_fd: 'this Node does not expose a socket descriptor (socket._handle.fd)',
  no_addon: 'the native addon is not built, or is stale (npm run install)',
  setsockopt_failed: 'the kernel refused SO_SNDBUF on a client socket',
};

const ENOPROTOOPT = constants.errno.ENOPROTOOPT;

/** The addon, once the kernel is known to unlock; the reason it is not, once known. */
let addon: SendBufferAddon | undefined;
let unavailable: SendBufferHoldUnavailable | undefined;

/** The addon to hold `fd`'s buffer with, or why not; decides for the process on the first socket it can ask about. */
function holdWith(fd: number): SendBufferAddon | SendBufferHoldUnavailable {
  if (addon !== undefined) return fd < 0 ? 'no_socket_fd' : addon;
  if (unavailable !== undefined) return unavailable;
  let loaded: SendBufferAddon | undefined;
  try {
    loaded = loadNativeAddon() as SendBufferAddon | undefined;
  } catch {
    loaded = undefined;
  }
  if (loaded === undefined) return (unavailable = 'no_addon');
  if (fd < 0) return 'no_socket_fd';
  const probe = loaded.sendBufferLocked(fd);
  if (probe === -ENOPROTOOPT) return (unavailable = 'kernel_before_5_14');
  if (probe >= 0) return (addon = loaded);
  // anything else (the socket already gone): decide on the next one
  return 'setsockopt_failed';
}

/** The socket's file descriptor (plain TCP and TLS alike on Linux), or -1. */
function socketFd(socket: object): number {
  const fd = (socket as { _handle?: { fd?: unknown } | null })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : -1;
}

/**
 * Whether this process can hold send buffers, asked of a listening server (its socket answers
 * for the kernel as a client's would): undefined when it can, or why not.
 */
export function sendBufferHoldSupport(server: object): SendBufferHoldUnavailable | undefined {
  const hold = holdWith(socketFd(server));
  return typeof hold === 'string' ? hold : undefined;
}

/**
 * Hold the socket's kernel send buffer to `bytes` (the kernel doubles it for its bookkeeping)
 * and stop the kernel from growing it. 'held', or why it is not.
 */
export function limitSendBuffer(socket: Socket, bytes: number): 'held' | SendBufferHoldUnavailable {
  const fd = socketFd(socket);
  const hold = holdWith(fd);
  if (typeof hold === 'string') return hold;
  return hold.setSendBuffer(fd, bytes) > 0 ? 'held' : 'setsockopt_failed';
}

/** Let the kernel size the socket's send buffer again (autotuning). False when not available. */
export function releaseSendBuffer(socket: Socket): boolean {
  const fd = socketFd(socket);
  const hold = holdWith(fd);
  return typeof hold !== 'string' && hold.setSendBuffer(fd, 0) > 0;
}

/** Whether the socket's send buffer is held (locked) now; undefined when that cannot be known here. */
export function sendBufferLimited(socket: Socket): boolean | undefined {
  const fd = socketFd(socket);
  const hold = holdWith(fd);
  if (typeof hold === 'string') return undefined;
  const locked = hold.sendBufferLocked(fd);
  return locked < 0 ? undefined : locked === 1;
}

/** Reasons already logged in this process. */
const reported = new Set<SendBufferHoldUnavailable>();

/** One warning per process and reason, through the reporting component's logger: an operator learns the protection is weaker. */
export function reportHoldUnavailable(reason: SendBufferHoldUnavailable, log: Logger): void {
  if (reported.has(reason)) return;
  reported.add(reason);
  log.warn('kernel send buffers cannot be held: a client on probation may pin megabytes of kernel memory, the flood protection is weaker', {
    reason,
    detail: HOLD_UNAVAILABLE_DETAIL[reason],
  });
}
