import { randomUUID } from 'node:crypto';
import { TokenService, generateSigningKey } from '@ogent/api';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileSigningKeyStore } from '../src/storage/signing-key.js';
import { type TestStack, startTestStack } from '../src/testing/index.js';
import { post, signedIn } from './helpers.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ sshd: false });
});

afterAll(async () => {
  await stack?.stop();
});

const jwks = async (): Promise<{ kid?: string }[]> =>
  (
    (await (await fetch(`${stack.url}/.well-known/jwks.json`)).json()) as {
      keys: { kid?: string }[];
    }
  ).keys;

describe('signing key rotation on the single node', () => {
  it('signs nobody out: tokens of the previous key stay valid, new ones use the new key', async () => {
    const alice = await signedIn(stack, 'alice');
    const before = decodeProtectedHeader(alice.token).kid;
    expect((await jwks()).map((k) => k.kid)).toEqual([before]);

    // What `ogent-server rotate-signing-key` does, against the server's data directory.
    const rotated = await new FileSigningKeyStore(stack.dataDir).rotate();
    const newKid = rotated[0]?.publicJwk.kid;
    expect(rotated[1]?.publicJwk.kid).toBe(before);

    // A token signed with the new key (by an instance that took it up already) is accepted:
    // the server reads its keys again when a token names one it does not know.
    const elsewhere = await TokenService.create({ keys: rotated, ttl: '1h' });
    // For a live session of bob's: a token is good only for a session that is live.
    const bob = await signedIn(stack, 'bob');
    const { token: fresh } = await elsewhere.issue('bob', [], {
      id: String(decodeJwt(bob.token).sid),
    });
    expect(decodeProtectedHeader(fresh).kid).toBe(newKid);
    expect((await post(stack, '/api/auth/validate', {}, fresh)).body).toMatchObject({
      valid: true,
      user: { username: 'bob' },
    });
    // The old token still works, and both keys are published.
    expect((await post(stack, '/api/auth/validate', {}, alice.token)).body).toMatchObject({
      valid: true,
    });
    expect((await jwks()).map((k) => k.kid)).toEqual([newKid, before]);
    // New sign-ins are signed with the new key.
    const again = await signedIn(stack, 'alice');
    expect(decodeProtectedHeader(again.token).kid).toBe(newKid);
    await Promise.all([alice.close(), again.close(), bob.close()]);
  });

  it('refuses a token signed by a key it never had, even after reading its keys again', async () => {
    const stranger = await TokenService.create({ keys: [await generateSigningKey()], ttl: '1h' });
    const { token } = await stranger.issue('alice', ['admin'], { id: randomUUID() });
    const answer = await post(stack, '/api/auth/validate', {}, token);
    expect(answer).toMatchObject({
      status: 401,
      body: { valid: false, error: 'The token was signed by an unknown key.' },
    });
  });
});
