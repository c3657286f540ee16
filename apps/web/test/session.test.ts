import { TEST_USERS, typedClient } from '@ogent/server/testing';
import type { Browser, Page } from 'playwright-core';
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

/** The token the page holds (the session lives in sessionStorage). */
async function pageToken(page: Page): Promise<string> {
  const raw = await page.evaluate(() => sessionStorage.getItem('ogent.session'));
  return String((JSON.parse(raw ?? '{}') as { token?: string }).token);
}

async function validate(token: string): Promise<{ status: number; error: unknown }> {
  const response = await fetch(`${stack.url}/api/auth/validate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '{}',
  });
  const body = (await response.json()) as { error?: unknown };
  return { status: response.status, error: body.error };
}

describe('a session that renews', () => {
  it('keeps an active user signed in past the token; signing out ends it on the server', async () => {
    const { context, page } = await openConsole(browser, stack.url);
    try {
      await signedIn(page, 'alice');
      const first = await pageToken(page);
      // The user keeps typing for more than twice the token's four seconds.
      const input = commandInput(page);
      const started = Date.now();
      while (Date.now() - started < 10_000) {
        await input.press('x');
        await page.waitForTimeout(500);
      }
      expect(await page.getByTestId('signed-in-user').textContent()).toBe('alice');
      const current = await pageToken(page);
      expect(current).not.toBe(first);
      expect(await validate(first)).toMatchObject({ status: 401 });
      expect((await validate(current)).status).toBe(200);
      // Still working: a command runs.
      await runCommand(page, 'echo renewed', 'local');
      await waitForStatus(page, 'completed');

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByLabel('Username').waitFor();
      expect(await validate(current)).toEqual({
        status: 401,
        error: 'This session was signed out. Sign in again.',
      });
    } finally {
      await context.close();
    }
  });

  it('an administrator disables a user in the Users dialog: their console says so at once', async () => {
    const bobPage = await openConsole(browser, stack.url);
    const adminPage = await openConsole(browser, stack.url);
    let adminToken: string | null = null;
    const api = typedClient(stack.url, () => adminToken);
    try {
      await signedIn(bobPage.page, 'bob');
      // Bob watches a running command: his console holds a WebSocket open.
      await runCommand(bobPage.page, 'sleep 30', 'local');
      await waitForStatus(bobPage.page, 'running');

      const admin = adminPage.page;
      await signedIn(admin, 'admin');
      await admin.getByRole('button', { name: 'Users' }).click();
      const dialog = admin.getByRole('dialog', { name: 'Users' });
      const bobRow = dialog.locator('tr[data-username="bob"]');
      await expect.poll(() => bobRow.getByTestId('account-sessions').textContent()).not.toBe('0');
      // Administrators cannot disable themselves.
      expect(
        await dialog
          .locator('tr[data-username="admin"]')
          .getByRole('button', { name: 'Disable' })
          .isDisabled(),
      ).toBe(true);

      await bobRow.getByRole('button', { name: 'Disable' }).click();
      await expect.poll(() => bobRow.getByTestId('account-state').textContent()).toBe('Disabled');
      await bobPage.page
        .getByRole('status')
        .filter({ hasText: 'This account has been disabled.' })
        .waitFor({ timeout: 10_000 });

      // Roles changed in the dialog are what the next call is judged by.
      await bobRow.getByRole('button', { name: 'Enable' }).click();
      await expect.poll(() => bobRow.getByTestId('account-state').textContent()).toBe('Active');
      await bobRow.getByRole('button', { name: 'Change roles' }).click();
      await bobRow.getByLabel('Roles of bob').fill('viewer');
      await bobRow.getByRole('button', { name: 'Save' }).click();
      await expect.poll(() => bobRow.getByTestId('account-roles').textContent()).toBe('viewer');
      await bobRow.getByRole('button', { name: 'Use configured roles' }).click();
      await expect.poll(() => bobRow.getByTestId('account-roles').textContent()).toBe('operator');

      // The dialog did what the API reports.
      adminToken = (
        await api.trpc.auth.login.mutate({
          username: TEST_USERS.admin.username,
          password: TEST_USERS.admin.password,
        })
      ).token;
      const events = await api.trpc.audit.list.query({ after: 0, limit: 5_000 });
      expect(
        events
          .filter((e) => e.type === 'account.update' && e.subject === 'bob')
          .map((e) => (JSON.parse(e.data) as { disabled: boolean; roles: unknown }).roles),
      ).toEqual([null, null, ['viewer'], null]);
    } finally {
      await api.close();
      await Promise.all([bobPage.context.close(), adminPage.context.close()]);
    }
  });
});
