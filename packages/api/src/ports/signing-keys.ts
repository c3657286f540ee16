import type { JWK } from 'jose';

/**
 * Where the keys that sign Ogent's own tokens live. Every instance must sign and verify with the
 * same keys, so the first to start creates one and the others load it. Rotation makes a new key
 * current and keeps the previous one, so tokens it signed stay valid until they expire.
 */
export interface SigningKeyStore {
  /** The keys, current first (created, once, whoever asks first, if there is none yet). */
  keys(): Promise<SigningKey[]>;
  /** Makes a new key current; the one before it stays, older ones go. Returns the keys. */
  rotate(): Promise<SigningKey[]>;
}

/** An Ed25519 key pair as JWKs, the form a store keeps it in. */
export interface SigningKey {
  readonly privateJwk: JWK;
  readonly publicJwk: JWK;
}
