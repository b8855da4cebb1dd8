/**
 * Who may read the dashboard. Bound to loopback it needs no token, but a request must
 * name a loopback host (so a web page on another site cannot reach it through DNS
 * rebinding) and a WebSocket must come from our own page (its Origin is the host it
 * asked), so no other site open in the same browser can read the stream. Bound elsewhere
 * it requires a token, given or generated at start, checked in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export function isLoopbackHost(host: string): boolean {
  if (LOOPBACK_NAMES.has(host)) return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

export function generateToken(): string {
  return randomBytes(24).toString('base64url');
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** The host part of a Host header ("127.0.0.1:8080", "[::1]:8080"). */
function hostName(hostHeader: string): string {
  if (hostHeader.startsWith('[')) {
    const end = hostHeader.indexOf(']');
    return end < 0 ? hostHeader : hostHeader.slice(0, end + 1);
  }
  const colon = hostHeader.lastIndexOf(':');
  return colon < 0 ? hostHeader : hostHeader.slice(0, colon);
}

export interface AccessPolicy {
  /** undefined: no token needed (loopback). */
  readonly token: string | undefined;
  readonly loopbackOnly: boolean;
}

export function accessPolicy(bindHost: string, token: string | undefined): AccessPolicy {
  const loopbackOnly = isLoopbackHost(bindHost);
  return { token: token ?? (loopbackOnly ? undefined : generateToken()), loopbackOnly };
}

export type AccessVerdict = 'ok' | 'bad-host' | 'bad-origin' | 'bad-token';

export function checkAccess(
  policy: AccessPolicy,
  request: { host: string | undefined; origin: string | undefined; token: string | null },
  websocket: boolean,
): AccessVerdict {
  const host = request.host ?? '';
  if (policy.loopbackOnly && !isLoopbackHost(hostName(host))) return 'bad-host';
  if (websocket && request.origin !== undefined) {
    let originHost: string;
    try {
      originHost = new URL(request.origin).host;
    } catch {
      return 'bad-origin';
    }
    if (originHost !== host) return 'bad-origin';
  }
  if (policy.token !== undefined) {
    if (request.token === null || !timingSafeEqual(digest(request.token), digest(policy.token))) return 'bad-token';
  }
  return 'ok';
}
