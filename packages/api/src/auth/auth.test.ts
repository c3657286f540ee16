import { ManualClock } from '@ogent/executor';
import { describe, expect, it } from 'vitest';
import { hashPassword, isPasswordHash, verifyPassword } from '../passwords.js';
import { TokenError, TokenService, generateSigningKey } from './tokens.js';

describe('passwords', () => {
  it('verifies the right password only, and never throws on a malformed hash', async () => {
    const hash = await hashPassword('correct horse');
    expect(isPasswordHash(hash)).toBe(true);
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('correct horsf', hash)).toBe(false);
    expect(await verifyPassword('x', 'scrypt$not-a-hash')).toBe(false);
    expect(await verifyPassword('x', '')).toBe(false);
  });

  it('salts: the same password hashes differently each time', async () => {
    expect(await hashPassword('same')).not.toBe(await hashPassword('same'));
  });
});

describe('TokenService', () => {
  it('issues tokens it verifies, and refuses a tampered or foreign one', async () => {
    const tokens = await TokenService.create({ keys: [await generateSigningKey()], ttl: '1h' });
    const { token, expiresAt } = await tokens.issue('alice', ['operator'], { id: 'session-1' });
    expect(expiresAt).toBeGreaterThan(Date.now() + 59 * 60_000);
    expect(await tokens.verify(token)).toMatchObject({
      username: 'alice',
      issuer: 'local',
      sessionId: 'session-1',
    });

    const [header, payload, signature] = token.split('.');
    const forged = Buffer.from(
      Buffer.from(payload ?? '', 'base64url')
        .toString()
        .replace('alice', 'admin'),
    ).toString('base64url');
    await expect(tokens.verify(`${header}.${forged}.${signature}`)).rejects.toThrow(TokenError);

    const other = await TokenService.create({ keys: [await generateSigningKey()], ttl: '1h' });
    await expect(other.verify(token)).rejects.toThrow('The token was signed by an unknown key.');
    await expect(tokens.verify('garbage')).rejects.toThrow('malformed');
  });

  it('accepts a token until its expiry and refuses it from then on', async () => {
    const clock = new ManualClock();
    const tokens = await TokenService.create({
      keys: [await generateSigningKey()],
      ttl: '1s',
      clock,
    });
    const { token, expiresAt } = await tokens.issue('alice', [], { id: 'session-1' });
    expect(expiresAt).toBe(clock.now() + 1_000);
    clock.advance(999);
    await expect(tokens.verify(token)).resolves.toMatchObject({ username: 'alice' });
    clock.advance(1);
    await expect(tokens.verify(token)).rejects.toThrow('expired');
  });
});
