import type { SigningKey } from '../auth/tokens.js';

/**
 * Where the key that signs Ogent's own tokens lives. Every instance must sign and verify with
 * the same key, so the first to start creates it and the others load it.
 */
export interface SigningKeyStore {
  /** The key, created (once, whoever asks first) if there is none yet. */
  loadOrCreate(): Promise<SigningKey>;
}
