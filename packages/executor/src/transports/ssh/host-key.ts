import { createHash } from 'node:crypto';

/**
 * The OpenSSH-style SHA-256 fingerprint of a public key blob (`SHA256:` and unpadded base64), as
 * printed by `ssh-keygen -lf` and `ssh-keyscan HOST | ssh-keygen -lf -`.
 */
export function fingerprintSha256(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** Accepts pins written with or without the `SHA256:` prefix and base64 padding. */
export function normalizeFingerprint(pin: string): string {
  const bare = pin
    .trim()
    .replace(/^SHA256:/i, '')
    .replace(/=+$/, '');
  return `SHA256:${bare}`;
}

/** The fingerprint of an OpenSSH public key line (`ssh-ed25519 AAAA... comment`). */
export function fingerprintOfPublicKeyLine(line: string): string {
  const blob = line.trim().split(/\s+/)[1];
  if (blob === undefined) throw new Error('not an OpenSSH public key line');
  return fingerprintSha256(Buffer.from(blob, 'base64'));
}
