import { TEST_USERS, typedClient } from '@ogent/server/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type ConsolePage,
  launchBrowser,
  openConsole,
  runCommand,
  signedIn,
  waitForStatus,
} from './support/browser';
import { type WebStack, startWebStack } from './support/stack';

let browser: Browser;
/** Default retention and search (the first 64 KiB of each output). */
let stack: WebStack;
/** Output deleted a second after a command ends, checked every second. */
let pruning: WebStack;

beforeAll(async () => {
  [stack, pruning, browser] = await Promise.all([
    startWebStack({ sshd: false }),
    startWebStack({ sshd: false, config: { retention: { output: '1s', every: '1s' } } }),
    launchBrowser(),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([stack?.stop(), pruning?.stop()]);
});

/**
 * Runs the test with a fresh tab signed in as `user`; the tab must log no errors but the
 * `expected` ones.
 */
async function withConsole(
  on: WebStack,
  user: keyof typeof TEST_USERS,
  test: (page: Page) => Promise<void>,
  expected?: RegExp,
): Promise<void> {
  const opened: ConsolePage = await openConsole(browser, on.url);
  try {
    await signedIn(opened.page, user);
    await test(opened.page);
    expect(opened.errors.filter((e) => expected === undefined || !expected.test(e))).toEqual([]);
  } finally {
    await opened.context.close();
  }
}

const history = (page: Page) => page.getByRole('complementary', { name: 'History' });

describe('history search', () => {
  it('finds a command by a word of its output, shows where with the match marked, and says how much is searched', async () => {
    await withConsole(stack, 'alice', async (page) => {
      // `report` prints coloured systemctl-like output; "RDBMS" is in its output only.
      const id = await runCommand(page, 'report', 'local');
      await waitForStatus(page, 'completed');
      await runCommand(page, 'printf other', 'local');
      await waitForStatus(page, 'completed');

      const panel = history(page);
      expect(await panel.getByTestId('search-scope').textContent()).toBe(
        'Searches commands and the first 64 KiB of each output (whole words).',
      );
      await panel.getByLabel('Search').fill('rdbms');
      // Debounced, then only the matching execution, with the output around the match.
      await expect
        .poll(() => panel.locator('.history-item').evaluateAll((items) => items.length))
        .toBe(1);
      const item = panel.locator(`[data-execution-id="${id}"]`);
      const snippet = item.getByTestId('search-snippet');
      expect(await snippet.locator('mark').allTextContents()).toEqual(['RDBMS']);
      // The colour codes of the output are gone from the snippet.
      expect(await snippet.textContent()).toContain('postgresql.service - PostgreSQL RDBMS');
      expect(await snippet.textContent()).not.toContain('\x1b');
      await page.screenshot({ path: 'test-results/history-search.png' });

      // The command's own text is searched too, with no snippet then.
      await panel.getByLabel('Search').fill('printf');
      await expect
        .poll(() => panel.locator('.history-item__command').allTextContents())
        .toEqual(['printf other']);
      expect(await panel.getByTestId('search-snippet').count()).toBe(0);

      await panel.getByLabel('Search').fill('rdbms absentword');
      await panel.getByText('Nothing matches these filters.').waitFor();
    });
  });
});

describe('storage', () => {
  it('shows admins stored output, records, the rules and what the next prune frees', async () => {
    await withConsole(stack, 'admin', async (page) => {
      await page.getByRole('link', { name: 'Storage' }).click();
      const panel = page.getByRole('region', { name: 'Storage' });
      await panel.waitFor();
      expect(page.url()).toMatch(/#\/storage$/);
      // The commands alice ran in the test before.
      await expect.poll(() => panel.getByTestId('storage-records').textContent()).toBe('2');
      expect(await panel.getByTestId('storage-output').textContent()).toMatch(
        /^\d+(\.\d)? (B|KiB)$/,
      );
      expect(await panel.getByTestId('storage-frees').textContent()).toBe('0 B');
      const rules = panel.getByRole('definition');
      const text = (await rules.allTextContents()).join(' | ');
      expect(text).toContain('30 days after the command ends');
      expect(text).toContain('365 days after the command ends');
      expect(text).toContain('the first 64 KiB of each');
      expect(text).toContain('at most 128 MiB');
      await page.screenshot({ path: 'test-results/storage.png' });
      await panel.getByRole('link', { name: 'Back to the console' }).click();
      await page.waitForURL((url) => url.hash === '#/');
    });
  });

  it('is not offered to a user who is not an admin, and refused if opened by its address', async () => {
    await withConsole(
      stack,
      'alice',
      async (page) => {
        await page.getByRole('button', { name: 'Sign out' }).waitFor();
        expect(await page.getByRole('link', { name: 'Storage' }).count()).toBe(0);
        await page.goto(`${stack.url}/#/storage`);
        await page.getByTestId('signed-in-user').waitFor();
        const refused = page.getByRole('alert');
        await refused.filter({ hasText: 'Storage figures are for administrators' }).waitFor();
        expect(await page.getByTestId('storage-output').count()).toBe(0);
        // Chromium logs the 403 answer itself.
      },
      /status of 403/,
    );
  });
});

describe('an execution whose output retention deleted', () => {
  it('says so plainly, with the date, instead of showing empty output', async () => {
    await withConsole(pruning, 'alice', async (page) => {
      const id = await runCommand(page, 'report', 'local');
      await waitForStatus(page, 'completed');
      // Within a few seconds the output is a second old and pruned: the record says when.
      let token: string | null = null;
      const client = typedClient(pruning.url, () => token);
      try {
        token = (
          await client.trpc.auth.login.mutate({
            username: TEST_USERS.alice.username,
            password: TEST_USERS.alice.password,
          })
        ).token;
        const prunedAt = await vi.waitFor(
          async () => {
            const record = await client.trpc.exec.byId.query({ executionId: id });
            expect(record.outputPrunedAt).not.toBeNull();
            return record.outputPrunedAt ?? 0;
          },
          { timeout: 15_000, interval: 250 },
        );

        await page.reload();
        const notice = page.getByTestId('output-pruned');
        await notice.waitFor();
        expect(await notice.textContent()).toMatch(
          /^Output deleted by retention on .*\d{4}.*; the record is kept\.$/,
        );
        expect(await notice.locator('time').getAttribute('datetime')).toBe(
          new Date(prunedAt).toISOString(),
        );
        expect(await page.locator('.terminal__scroller').count()).toBe(0);
        await page.screenshot({ path: 'test-results/output-pruned.png' });
        // The rest of the record is still there.
        await waitForStatus(page, 'completed');
      } finally {
        await client.close();
      }
    });
  });
});
