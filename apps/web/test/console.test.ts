import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type TypedClient, TEST_USERS, typedClient } from '@ogent/server/testing';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsolePage,
  commandInput,
  emitOutput,
  launchBrowser,
  offeredTargets,
  openConsole,
  runCommand,
  shownRows,
  signIn,
  signedIn,
  splitRows,
  targetField,
  waitForStatus,
} from './support/browser';
import { TcpProxy } from './support/proxy';
import { type WebStack, startWebStack } from './support/stack';

/**
 * Where this file's screenshot of the fixtures goes, for review: test-results (ignored by git).
 * The README's docs/screenshot.png is taken on the embedded defaults, by prompt.test.ts.
 */
const SCREENSHOT = fileURLToPath(new URL('../test-results/screenshot.png', import.meta.url));

let stack: WebStack;
let browser: Browser;
/** Between a browser and the server, to cut the connection (see "connection and reload"). */
let proxy: TcpProxy;
let open: ConsolePage[] = [];

beforeAll(async () => {
  // The browser's origin is the proxy's, which the server must allow: the proxy comes first and
  // is pointed at the server once that has its port.
  proxy = await TcpProxy.start(0);
  [stack, browser] = await Promise.all([
    startWebStack({ config: { server: { allowedOrigins: [proxy.url] } } }),
    launchBrowser(),
  ]);
  proxy.retarget(stack.server.port);
});

afterAll(async () => {
  await browser?.close();
  await proxy?.close();
  await stack?.stop();
});

/** A fresh tab; every tab opened in a test is closed after it, and must not have logged errors. */
async function tab(
  options: Parameters<typeof openConsole>[2] & { url?: string } = {},
): Promise<ConsolePage> {
  const opened = await openConsole(browser, options.url ?? stack.url, options);
  open.push(opened);
  return opened;
}

afterEach(async () => {
  const errors = open.flatMap((o) => o.errors);
  await Promise.all(open.map((o) => o.context.close()));
  open = [];
  // The only errors a browser may log are failed requests while the network was cut on purpose.
  expect(
    errors.filter((e) => !/ERR_CONNECTION|WebSocket connection|Failed to load resource/.test(e)),
  ).toEqual([]);
});

/** A client on the API directly, to look at the server's side while the browser works. */
async function apiAs(user: keyof typeof TEST_USERS): Promise<TypedClient> {
  let token: string | null = null;
  const client = typedClient(stack.url, () => token);
  const { username, password } = TEST_USERS[user];
  token = (await client.trpc.auth.login.mutate({ username, password })).token;
  return client;
}

describe('signing in', () => {
  it('refuses a wrong password, signs in, and keeps the session across a reload', async () => {
    const { page } = await tab();
    await signIn(page, 'alice', 'not-her-password');
    await page.getByRole('alert').filter({ hasText: 'Invalid username or password' }).waitFor();
    expect(await page.getByLabel('Password').inputValue()).toBe('');

    await signedIn(page, 'alice');
    await expect.poll(() => offeredTargets(page)).toEqual(['Local', 'Web 1']);

    await page.reload();
    await page.getByTestId('signed-in-user').filter({ hasText: 'alice' }).waitFor();
    expect(await page.getByLabel('Password').count()).toBe(0);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
  });

  it('offers only the targets and commands the user may use', async () => {
    const { page } = await tab();
    await signedIn(page, 'viewer');
    await expect.poll(() => offeredTargets(page)).toEqual(['Local']);
    const allowed = page.getByRole('region', { name: 'Allowed on Local' });
    await expect
      .poll(() => allowed.locator('.commands__usage').allTextContents())
      .toEqual(['echo [ARG ...]', 'ls [-l] [-a] [-la] [ARG ...]']);
    await commandInput(page).fill('sleep 1');
    await page.locator('.hint--warning').filter({ hasText: 'is not allowed on Local' }).waitFor();
  });
});

describe('running commands', () => {
  it('streams output with stdout and stderr told apart, then the exit code and duration', async () => {
    const { page } = await tab();
    await signedIn(page, 'alice');
    await runCommand(page, 'emit 30', 'web-1');
    await waitForStatus(page, 'completed');
    expect(await page.getByTestId('exit-code').textContent()).toBe('0');
    expect(await page.locator('.run__status').textContent()).toMatch(/\d+(\.\d+)? (ms|s)/);
    expect(await page.getByTestId('line-count').textContent()).toContain('33 lines');

    const rows = await shownRows(page);
    expect(splitRows(rows)).toEqual(emitOutput(30));
    const colours = await page.evaluate(() => {
      const colour = (selector: string): string => {
        const element = document.querySelector(selector);
        return element === null ? '' : getComputedStyle(element).color;
      };
      return {
        stdout: colour('.term-row:not(.term-row--stderr)'),
        stderr: colour('.term-row--stderr'),
      };
    });
    expect(colours.stderr).not.toBe('');
    expect(colours.stderr).not.toBe(colours.stdout);
  });

  it('refuses what the policy does not allow, says why and marks where', async () => {
    const { page } = await tab();
    await signedIn(page, 'alice');
    await targetField(page).fill('web-1');
    const input = commandInput(page);
    await input.fill('ls; id');
    await input.press('Enter');
    const refusal = page.getByRole('alert').filter({ hasText: 'Not permitted' });
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain('command separator');
    expect(await refusal.locator('mark').textContent()).toBe(';');
    // The command stays, with the offending character selected, ready to fix.
    expect(await input.inputValue()).toBe('ls; id');
    expect(
      await input.evaluate((el: HTMLInputElement) => [el.selectionStart, el.selectionEnd]),
    ).toEqual([2, 3]);
    expect(page.url()).not.toContain('#/executions/');

    // The refused attempt is in the history, with its reason.
    const entry = page.locator('.history-item').filter({ hasText: 'ls; id' }).first();
    await entry.waitFor();
    expect(await entry.locator('.history-item__reason').textContent()).toContain(
      'command separator',
    );
    await entry.click();
    await waitForStatus(page, 'refused');
    await page.getByText('Not permitted — nothing ran.').waitFor();
  });

  it('cancels a running command with Ctrl+C and with the Cancel button', async () => {
    const { page } = await tab();
    await signedIn(page, 'alice');
    await runCommand(page, 'sleep 120', 'web-1');
    await waitForStatus(page, 'running');
    await commandInput(page).press('Control+c');
    await waitForStatus(page, 'cancelled', 10_000);

    await runCommand(page, 'sleep 121', 'local');
    await waitForStatus(page, 'running');
    await page.getByRole('button', { name: /^Cancel/ }).click();
    await waitForStatus(page, 'cancelled', 10_000);
    expect(await page.locator('.run__status').textContent()).toMatch(/ms|\d s/);
    expect(await page.getByRole('button', { name: /^Cancel/ }).count()).toBe(0);
  });

  it('follows new output until the user scrolls up, then offers to jump back', async () => {
    const { page } = await tab();
    await signedIn(page, 'alice');
    const prompt = await commandInput(page).boundingBox();
    await runCommand(page, 'emit 150 1', 'local');
    const scroller = page.locator('.terminal__scroller');
    const rows = async (): Promise<number> => Number(await scroller.getAttribute('data-rows'));
    const position = (): Promise<{ top: number; bottom: number }> =>
      scroller.evaluate((el) => ({ top: el.scrollTop, bottom: el.scrollHeight - el.clientHeight }));
    await expect.poll(rows).toBeGreaterThan(40);
    // Following: the newest line is in view.
    await expect
      .poll(async () => (await position()).bottom - (await position()).top)
      .toBeLessThan(2);
    expect(await page.getByRole('button', { name: 'Jump to latest ↓' }).count()).toBe(0);

    await scroller.hover();
    await page.mouse.wheel(0, -300);
    await page.getByRole('button', { name: 'Jump to latest ↓' }).waitFor();
    const parked = (await position()).top;
    const seen = await rows();
    await expect.poll(rows).toBeGreaterThan(seen + 5);
    expect((await position()).top).toBe(parked);

    await page.getByRole('button', { name: 'Jump to latest ↓' }).click();
    await page.getByRole('button', { name: 'Jump to latest ↓' }).waitFor({ state: 'detached' });
    const resumed = await rows();
    await expect.poll(rows).toBeGreaterThan(resumed + 3);
    await expect
      .poll(async () => (await position()).bottom - (await position()).top)
      .toBeLessThan(2);

    // Nothing around the output moved while it streamed.
    expect(await commandInput(page).boundingBox()).toEqual(prompt);
    await page.getByRole('button', { name: /^Cancel/ }).click();
    await waitForStatus(page, 'cancelled', 10_000);
  });

  it('works from the keyboard alone', async () => {
    const { page } = await tab();
    // The sign-in form starts with the focus in the username field.
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('name')))
      .toBe('username');
    await page.keyboard.type(TEST_USERS.bob.username);
    await page.keyboard.press('Tab');
    await page.keyboard.type(TEST_USERS.bob.password);
    await page.keyboard.press('Enter');
    await page.getByTestId('signed-in-user').waitFor();
    // The prompt has the focus, visibly.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('command-input');
    await page.keyboard.type('echo from the keyboard');
    await page.keyboard.press('Enter');
    await waitForStatus(page, 'completed');
    expect((await shownRows(page)).map((r) => r.text)).toEqual(['from the keyboard']);
    // From the (empty) prompt, Tab leads on to the history: what it lists, then its filters.
    await commandInput(page).focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Commands');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('type'))).toBe('search');
    const outline = await page.evaluate(() => {
      const active = document.activeElement;
      return active === null ? 'none' : getComputedStyle(active).outlineStyle;
    });
    expect(outline).not.toBe('none');
  });

  it('walks the command history with Up and Down and completes with Tab', async () => {
    const { page } = await tab();
    await signedIn(page, 'bob');
    const input = commandInput(page);
    await targetField(page).fill('local');
    await input.fill('ec');
    await input.press('Tab');
    expect(await input.inputValue()).toBe('echo ');
    await input.pressSequentially('first');
    await input.press('Enter');
    await waitForStatus(page, 'completed');
    await runCommand(page, 'echo second');
    await waitForStatus(page, 'completed');
    expect((await shownRows(page)).map((r) => r.text)).toEqual(['second']);

    await input.fill('half-typed');
    await input.press('ArrowUp');
    expect(await input.inputValue()).toBe('echo second');
    await input.press('ArrowUp');
    expect(await input.inputValue()).toBe('echo first');
    await input.press('ArrowDown');
    await input.press('ArrowDown');
    expect(await input.inputValue()).toBe('half-typed');
  });
});

describe('connection and reload', () => {
  let api: TypedClient;

  beforeAll(async () => {
    api = await apiAs('alice');
  });

  afterAll(async () => {
    await api?.close();
  });

  it('shows that the connection dropped and resumes with nothing lost or doubled', async () => {
    const { page } = await tab({ url: proxy.url });
    await signedIn(page, 'alice');
    const id = await runCommand(page, 'emit 60 1', 'web-1');
    const scroller = page.locator('.terminal__scroller');
    await expect
      .poll(async () => Number(await scroller.getAttribute('data-rows')))
      .toBeGreaterThanOrEqual(8);

    // Offline: the page says so, while the command goes on producing output on the server.
    proxy.setOffline(true);
    await page.getByText('Connection lost — reconnecting…').waitFor();
    const shownWhileOffline = Number(await scroller.getAttribute('data-rows'));
    await expect
      .poll(async () => (await api.trpc.exec.byId.query({ executionId: id })).lastSeq, {
        timeout: 10_000,
      })
      .toBeGreaterThan(shownWhileOffline + 10);
    proxy.setOffline(false);
    await page.getByText('Connection lost — reconnecting…').waitFor({ state: 'detached' });

    // A second, abrupt cut while streaming: the link reconnects at once.
    await expect
      .poll(async () => Number(await scroller.getAttribute('data-rows')))
      .toBeGreaterThan(shownWhileOffline + 10);
    proxy.drop();

    await waitForStatus(page, 'completed', 30_000);
    expect(splitRows(await shownRows(page))).toEqual(emitOutput(60));
  });

  it('a reload during a run reattaches to it', async () => {
    const { page } = await tab();
    await signedIn(page, 'alice');
    const id = await runCommand(page, 'emit 40 1', 'local');
    const scroller = page.locator('.terminal__scroller');
    await expect
      .poll(async () => Number(await scroller.getAttribute('data-rows')))
      .toBeGreaterThanOrEqual(5);
    await page.reload();
    expect(page.url()).toContain(`#/executions/${id}`);
    await waitForStatus(page, 'running');
    expect(await page.locator('.run__command code').textContent()).toBe('emit 40 1');
    await waitForStatus(page, 'completed', 30_000);
    expect(splitRows(await shownRows(page))).toEqual(emitOutput(40));
  });
});

describe('history', () => {
  it('replays a past execution, copies its command and downloads its output', async () => {
    const { page } = await tab({ clipboard: true });
    await signedIn(page, 'alice');
    const id = await runCommand(page, 'emit 25', 'web-1');
    await waitForStatus(page, 'completed');
    await runCommand(page, 'echo something else', 'local');
    await waitForStatus(page, 'completed');

    // Filter the history, open the run, and see its stored output again.
    const history = page.getByRole('complementary', { name: 'History' });
    await history.getByLabel('Search').fill('emit 25');
    await expect
      .poll(() => history.locator('.history-item__command').allTextContents())
      .toEqual(['emit 25']);
    await history.getByLabel('Status').selectOption('refused');
    await history.getByText('Nothing matches these filters.').waitFor();
    await history.getByLabel('Status').selectOption('');
    await history.locator(`[data-execution-id="${id}"]`).click();
    await page.waitForURL(`**/#/executions/${id}`);
    await waitForStatus(page, 'completed');
    expect(splitRows(await shownRows(page))).toEqual(emitOutput(25));

    await page.getByRole('button', { name: 'Copy command' }).click();
    await page.getByText('Command copied.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('emit 25');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download output' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^ogent-web-1-emit_25-\d{8}T\d{6}Z\.txt$/);
    const lines = readFileSync(await download.path(), 'utf8')
      .trimEnd()
      .split('\n');
    const expected = emitOutput(25);
    expect(lines.filter((l) => l.startsWith('out'))).toEqual(expected.stdout);
    expect(lines.filter((l) => l.startsWith('err'))).toEqual(expected.stderr);
    expect(lines).toHaveLength(27);

    await page.getByRole('button', { name: 'Edit & rerun' }).click();
    expect(await commandInput(page).inputValue()).toBe('emit 25');
    expect(await targetField(page).inputValue()).toBe('web-1');
  });

  it('lets an admin see everyone’s executions', async () => {
    const { page } = await tab();
    await signedIn(page, 'admin');
    const history = page.getByRole('complementary', { name: 'History' });
    await history.getByLabel('User').fill('bob');
    await expect
      .poll(async () => {
        const metas = await history.locator('.history-item__meta').allTextContents();
        return metas.length > 0 && metas.every((m) => m.includes('bob'));
      })
      .toBe(true);
  });
});

describe('the look of it', () => {
  it('renders ANSI colours and mixed streams (and saves the screenshot)', async () => {
    const { page } = await tab();
    await signedIn(page, 'alice');
    await runCommand(page, 'emit 12', 'web-1');
    await waitForStatus(page, 'completed');
    await runCommand(page, "printf '\\033[1;34m%s\\033[0m ready\\n' api worker", 'web-1');
    await waitForStatus(page, 'completed');
    expect((await shownRows(page)).map((r) => r.text)).toEqual(['api ready', 'worker ready']);
    expect(await page.locator('.term-row span[style*="--ansi-4"]').count()).toBe(2);

    // Ran to its end with exit code 3: `completed`, marked as a non-zero exit.
    const reportId = await runCommand(page, 'report', 'local');
    await waitForStatus(page, 'completed');
    expect(await page.locator('.run__status .status--nonzero').count()).toBe(1);
    expect(await page.getByTestId('exit-code').textContent()).toBe('3');
    const rows = await shownRows(page);
    expect(rows.filter((r) => r.stderr).map((r) => r.text)).toEqual([
      'redis-server.service: Main process exited, code=exited, status=1/FAILURE',
      'warning: /var is 91% full (4.1G free)',
    ]);
    expect(rows[0]?.text).toBe('● nginx.service - A high performance web server');
    // Colours come from SGR, not from the text: green and red dots, bold names.
    expect(await page.locator('.term-row span[style*="--ansi-2"]').count()).toBeGreaterThan(2);
    expect(await page.locator('.term-row span[style*="--ansi-1"]').count()).toBeGreaterThan(0);
    expect(await page.locator('.term-row span[style*="font-weight: 700"]').count()).toBeGreaterThan(
      2,
    );
    expect(await page.locator('.term-row').filter({ hasText: '\x1b' }).count()).toBe(0);

    await commandInput(page).fill('ls -');
    await page.locator('.candidates').waitFor();
    await page.mouse.move(0, 0);
    mkdirSync(fileURLToPath(new URL('.', `file://${SCREENSHOT}`)), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });

    // The same run in the dark scheme: a dark terminal with light text (kept for review only).
    const dark = await tab({ colorScheme: 'dark', url: `${stack.url}/#/executions/${reportId}` });
    await signedIn(dark.page, 'alice');
    await waitForStatus(dark.page, 'completed');
    const luminance = await dark.page.evaluate(() => {
      const channels = (css: string): number[] =>
        (css.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
      const y = ([r = 0, g = 0, b = 0]: number[]): number => 0.2126 * r + 0.7152 * g + 0.0722 * b;
      const terminal = document.querySelector('.terminal');
      const row = document.querySelector('.term-row');
      return {
        background:
          terminal === null ? -1 : y(channels(getComputedStyle(terminal).backgroundColor)),
        text: row === null ? -1 : y(channels(getComputedStyle(row).color)),
      };
    });
    expect(luminance.background).toBeGreaterThanOrEqual(0);
    expect(luminance.background).toBeLessThan(40);
    expect(luminance.text).toBeGreaterThan(150);
    await dark.page.mouse.move(0, 0);
    await dark.page.screenshot({ path: 'test-results/screenshot-dark.png' });
  });
});
