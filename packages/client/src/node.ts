import { WebSocket } from 'ws';
import {
  type OgentClient,
  type OgentClientOptions,
  createOgentClient as createClient,
} from './index.js';

export * from './index.js';

/**
 * On Node, the same client with a WebSocket implementation when the platform has none (Node 20
 * has no global WebSocket; the `ws` package is what tRPC's own Node examples use).
 */
export function createOgentClient(options: OgentClientOptions): OgentClient {
  return createClient({
    ...options,
    WebSocket: options.WebSocket ?? (globalThis.WebSocket === undefined ? WebSocket : undefined),
  });
}
