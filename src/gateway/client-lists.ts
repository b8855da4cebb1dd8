/**
 * The gateway's client lists (one per payload kind): which clients a frame goes to, and
 * whether any of them can take more. Loops over arrays, no allocation: they run per frame
 * or per max-rate turn.
 */
import type { FrameServerClient } from '../net/frame-server-client.js';

/** Whether any client of the list takes this frame (encoding it is wasted otherwise). */
export function wantsFrame<T>(clients: readonly FrameServerClient<T>[], toConflating: boolean): boolean {
  if (clients.length === 0) return false;
  if (toConflating) return true;
  for (let index = 0; index < clients.length; index++) if (!clients[index].conflating) return true;
  return false;
}

/** Fill `into` with the open clients of `clients` that are not conflating (no allocation: `into` is reused). */
export function keepingUp<T>(clients: readonly FrameServerClient<T>[], into: FrameServerClient<T>[]): void {
  into.length = 0;
  for (let index = 0; index < clients.length; index++) {
    const client = clients[index];
    if (client.open && !client.conflating) into.push(client);
  }
}

/** True when a client of the list is keeping up: not conflating and below the high-water mark. */
export function canTakeMore<T>(clients: readonly FrameServerClient<T>[], highWaterBytes: number): boolean {
  for (let index = 0; index < clients.length; index++) {
    const client = clients[index];
    if (client.open && !client.conflating && client.backlogBytes < highWaterBytes) return true;
  }
  return false;
}

export function remove<T>(list: T[], item: T): void {
  const index = list.indexOf(item);
  if (index >= 0) list.splice(index, 1);
}
