import type { EventEmitter } from 'node:events';

/**
 * Resolves at the first `drain` of `drains` or `close` of `closes` (the same emitter unless the
 * bytes are buffered below the object that closes, as a WebSocket's are in its TCP socket), and
 * removes both listeners then, so a long stream that waits often leaves none behind.
 */
export function drainedOrClosed(
  drains: EventEmitter,
  closes: EventEmitter = drains,
): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      drains.off('drain', done);
      closes.off('close', done);
      resolve();
    };
    drains.once('drain', done);
    closes.once('close', done);
  });
}
