import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  commandInput,
  launchBrowser,
  openConsole,
  runCommand,
  signIn,
  signedIn,
  waitForStatus,
} from './support/browser';
import { type WebStack, startWebStack } from './support/stack';

let stack: WebStack;
let browser: Browser;

beforeAll(async () => {
  // Tokens that last four seconds, so a session expires during the test.
  [stack, browser] = await Promise.all([
    startWebStack({ sshd: false, config: { auth: { tokenTtl: '4s' } } }),
    launchBrowser(),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('an expired session', () => {
  it('returns to sign-in with a message, keeps the typed command and the open run', async () => {
    const { context, page, errors } = await openConsole(browser, stack.url);
    try {
      await signedIn(page, 'alice');
      // A run in progress keeps a WebSocket open: the server closes it when the token expires.
      const id = await runCommand(page, 'sleep 30', 'local');
      await waitForStatus(page, 'running');
      await commandInput(page).fill('echo typed before expiry');

      const notice = page.getByRole('status').filter({ hasText: 'Your session has expired' });
      await notice.waitFor({ timeout: 15_000 });
      expect(await page.getByLabel('Username').inputValue()).toBe('alice');
      expect(await page.locator('.signin__draft').textContent()).toContain(
        'echo typed before expiry',
      );

      await signIn(page, 'alice');
      await page.getByTestId('signed-in-user').waitFor();
      expect(await commandInput(page).inputValue()).toBe('echo typed before expiry');
      // Still on the same run, watching it again.
      expect(page.url()).toContain(`#/executions/${id}`);
      await waitForStatus(page, 'running');
      await page.getByRole('button', { name: /^Cancel/ }).click();
      await waitForStatus(page, 'cancelled', 10_000);
      expect(errors.filter((e) => !/401|Unauthorized|Failed to load resource/i.test(e))).toEqual(
        [],
      );
    } finally {
      await context.close();
    }
  });
});
