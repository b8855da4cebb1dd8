/**
 * What became of a frame handed to `send()`. The hot path returns one of these instead of
 * throwing (Aeron's way): a producer can act on back-pressure without a try/catch.
 *
 * - `sent`: accepted; it goes out with this event-loop turn's batch.
 * - `queued`: accepted, but the connection is backed up (bytes are waiting for the socket);
 *   a producer that can wait should slow down.
 * - `conflated`: the connection is backed up and in conflation: the frame replaced any
 *   older frame with the same key and goes out (as the latest state) when it drains.
 * - `dropped`: refused (backlog full, or no conflation key while conflating); it will never
 *   be sent. Counted in `framesDropped`.
 * - `not-connected`: no connection right now (a client between reconnects); nothing kept.
 * - `closed`: the endpoint or connection is closing or closed.
 */
export type SendStatus = 'sent' | 'queued' | 'conflated' | 'dropped' | 'not-connected' | 'closed';

/** True when the frame will be (or may be, for `conflated`) delivered. */
export function isAccepted(status: SendStatus): boolean {
  return status === 'sent' || status === 'queued' || status === 'conflated';
}

/** The key under which frames conflate: the latest frame per key is kept (e.g. the symbol). */
export type ConflationKey = string | number;
