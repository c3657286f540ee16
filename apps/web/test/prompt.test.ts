import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONFIG, type OgentServer, parseConfig, startServer } from '@ogent/server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsolePage,
  commandInput,
  launchBrowser,
  openConsole,
  runCommand,
  shownRows,
  signedIn,
  targetField,
  waitForStatus,
} from './support/browser';
import { axeViolations } from './support/accessibility';
import { WEB_ROOT, type WebStack, startWebStack } from './support/stack';

let stack: WebStack;
let browser: Browser;
let open: ConsolePage[] = [];

beforeAll(async () => {
  [stack, browser] = await Promise.all([
    startWebStack({
      config: {
        commands: {
          ls: {
            path: '/bin/ls',
            options: ['-l', '-a', '-la', '--color=always', '--color=never'],
            args: { max: 4, pattern: '[A-Za-z0-9._/-]+' },
            endOfOptions: true,
          },
          sleep: { path: '/bin/sleep', args: { min: 1, max: 1, integer: { min: 0, max: 3600 } } },
          tail: {
            path: '/usr/bin/tail',
            options: [{ name: '-n', value: { integer: { min: 1, max: 100_000 } } }],
            args: { min: 1, max: 1, pathPrefix: '/var/log' },
            endOfOptions: true,
          },
          uptime: { path: '/usr/bin/uptime' },
          // What the advice for a glob points at.
          find: {
            path: '/usr/bin/find',
            options: [{ name: '-name', value: { pattern: '[A-Za-z0-9._*?-]+' } }],
            args: { min: 1, max: 1, pathPrefix: '/' },
            endOfOptions: false,
          },
        },
      },
    }),
    launchBrowser(),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** A fresh tab signed in as alice; every tab is closed after its test and must log no errors. */
async function tab(): Promise<Page> {
  const opened = await openConsole(browser, stack.url);
  open.push(opened);
  await signedIn(opened.page, 'alice');
  return opened.page;
}

/** A refused command is answered 403, which Chromium logs; nothing else may be, unless said. */
const REFUSED = /status of 403 \(Forbidden\)/;
let expectedErrors = REFUSED;

afterEach(async () => {
  const errors = open.flatMap((o) => o.errors);
  await Promise.all(open.map((o) => o.context.close()));
  open = [];
  expect(errors.filter((e) => !expectedErrors.test(e))).toEqual([]);
  expectedErrors = REFUSED;
});

/** Whether the focus is in the command prompt. */
const focusInPrompt = (page: Page): Promise<boolean> =>
  page.evaluate(() => document.activeElement?.id === 'command-input');

const candidates = (page: Page): Promise<string[]> =>
  page.getByRole('list', { name: 'Completions' }).getByRole('button').allTextContents();

const history = (page: Page) => page.getByRole('complementary', { name: 'History' });

describe('Tab in the prompt', () => {
  it('completes, lists the options whole, goes through them, and never leaves the prompt', async () => {
    const page = await tab();
    await targetField(page).fill('local');
    const input = commandInput(page);

    // Two options start `--c`: Tab takes the line as far as they agree and lists them whole.
    await input.fill('ls --c');
    await input.press('Tab');
    expect(await input.inputValue()).toBe('ls --color=');
    expect(await focusInPrompt(page)).toBe(true);
    expect(await candidates(page)).toEqual(['--color=always', '--color=never']);
    expect(await axeViolations(page)).toEqual([]);

    // Again: each in turn in place of the word, the one shown marked; Enter settles on it and
    // runs nothing.
    await input.press('Tab');
    expect(await input.inputValue()).toBe('ls --color=always');
    await input.press('Tab');
    expect(await input.inputValue()).toBe('ls --color=never');
    expect(await page.locator('.candidate[aria-current="true"]').textContent()).toBe(
      '--color=never',
    );
    await input.press('Tab');
    expect(await input.inputValue()).toBe('ls --color=always');
    const before = page.url();
    await input.press('Enter');
    expect(await input.inputValue()).toBe('ls --color=always ');
    expect(page.url()).toBe(before);
    expect(await focusInPrompt(page)).toBe(true);

    // Ambiguous command names: the first Tab shows the first of them, never the Run button.
    await input.fill('s');
    await input.press('Tab');
    expect(await focusInPrompt(page)).toBe(true);
    expect(await input.inputValue()).toBe('seq');
    await input.press('Tab');
    expect(await input.inputValue()).toBe('sleep');
    await input.press('Escape');
    expect(await input.inputValue()).toBe('s');

    // Nothing to complete: Tab says so and stays.
    await input.fill('uptime ');
    await input.press('Tab');
    expect(await focusInPrompt(page)).toBe(true);
    await page
      .getByRole('status')
      .filter({ hasText: 'Nothing to complete: no arguments.' })
      .waitFor();

    // On an empty line Tab moves on, so the prompt is no keyboard trap.
    await input.fill('');
    await input.press('Tab');
    expect(await focusInPrompt(page)).toBe(false);
  });

  it('shows the usage with value ranges and allowed paths, and completes the paths', async () => {
    const page = await tab();
    await targetField(page).fill('local');
    const usages = await page
      .getByRole('region', { name: /^Allowed on/ })
      .locator('.commands__usage')
      .allTextContents();
    expect(usages).toContain('sleep N (0-3600)');
    expect(usages).toContain('tail [-n N (1-100000)] PATH under /var/log');

    const input = commandInput(page);
    await input.fill('sleep ');
    expect(await page.locator('.hint__usage').textContent()).toBe('sleep N (0-3600)');
    expect(await page.getByTestId('expects').textContent()).toContain('N (0-3600)');

    await input.fill('tail -n ');
    expect(await page.getByTestId('expects').textContent()).toContain('-n N (1-100000)');
    await input.fill('tail -n 20 ');
    await input.press('Tab');
    expect(await input.inputValue()).toBe('tail -n 20 /var/log');
    expect(await page.getByTestId('expects').textContent()).toContain('PATH under /var/log');
  });

  it('says "did you mean" for a typo, before sending and beside the refusal', async () => {
    const page = await tab();
    await targetField(page).fill('local');
    const input = commandInput(page);

    await input.fill('upitme');
    const hint = page.getByTestId('unknown-command');
    expect(await hint.textContent()).toContain('Did you mean uptime?');
    await input.press('Tab');
    expect(await input.inputValue()).toBe('uptime ');

    // Sent anyway: the server refuses it, the word is marked and selected, and the advice
    // puts the allowed command in its place.
    await input.fill('upitme');
    await input.press('Enter');
    const refusal = page.getByRole('alert').filter({ hasText: 'Not permitted' });
    await refusal.waitFor();
    expect(await refusal.locator('mark').textContent()).toBe('upitme');
    expect(
      await input.evaluate((el: HTMLInputElement) => [el.selectionStart, el.selectionEnd]),
    ).toEqual([0, 6]);
    expect(await refusal.getByTestId('refusal-advice').textContent()).toContain(
      'Did you mean uptime?',
    );
    await refusal.getByRole('button', { name: 'Use uptime' }).click();
    expect(await input.inputValue()).toBe('uptime');
    await input.press('Enter');
    await page.waitForURL(/#\/executions\//);
    await waitForStatus(page, 'completed');
  });
});

describe('refusals', () => {
  it('mark the offending argument, and say what to do instead of a pipe or a glob', async () => {
    const page = await tab();
    await targetField(page).fill('local');
    const input = commandInput(page);
    const refusal = page.getByRole('alert').filter({ hasText: 'Not permitted' });
    const refuse = async (command: string): Promise<void> => {
      await input.fill(command);
      await input.press('Enter');
      await refusal.filter({ hasText: 'Not permitted' }).waitFor();
    };

    // An argument out of range: the argument is marked, not a character.
    await refuse('sleep 5000');
    expect(await refusal.textContent()).toContain('must be at most 3600');
    expect(await refusal.locator('mark').textContent()).toBe('5000');
    await input.press('Escape');

    await refuse('ls -Z /tmp');
    expect(await refusal.locator('mark').textContent()).toBe('-Z');
    await input.press('Escape');

    // A pipe: one program runs; the advice points at Find in output, and keeps what came first.
    await refuse('ls -la /tmp | grep x');
    expect(await refusal.locator('mark').textContent()).toBe('|');
    const advice = refusal.getByTestId('refusal-advice');
    expect(await advice.textContent()).toContain('pipes are not available');
    expect(await advice.textContent()).toContain('Find in output (Ctrl+F)');
    expect(await refusal.textContent()).not.toContain('quote the character to pass it literally.');
    expect(await axeViolations(page)).toEqual([]);
    await advice.getByRole('button', { name: 'Use ls -la /tmp' }).click();
    expect(await input.inputValue()).toBe('ls -la /tmp');

    // A glob: find does what the shell would have, and it runs.
    const glob = `cat ${stack.fixtureDir}/*.sh`;
    await refuse(glob);
    const find = `find ${stack.fixtureDir} -name '*.sh'`;
    await advice.getByRole('button', { name: `Use ${find}` }).click();
    expect(await input.inputValue()).toBe(find);
    await input.press('Enter');
    await page.waitForURL(/#\/executions\//);
    await waitForStatus(page, 'completed');
    expect((await shownRows(page)).map((r) => r.text)).toEqual([`${stack.fixtureDir}/emit.sh`]);
  });
});

describe('history', () => {
  it('shows when, where, how much, and runs an entry again in one click', async () => {
    const page = await tab();
    const list = history(page).getByRole('list', { name: 'Executions' });
    await runCommand(page, 'seq 1 12', 'local');
    await waitForStatus(page, 'completed');
    await runCommand(page, 'echo hi', 'web-1');
    await waitForStatus(page, 'completed');

    const seq = list.getByRole('listitem').filter({ hasText: 'seq 1 12' }).first();
    // 1..9 and 10..12 with their newlines: 12 lines, 27 bytes.
    await expect.poll(() => seq.getByTestId('entry-size').textContent()).toBe('12 lines · 27 B');
    const when = seq.locator('time');
    expect(await when.textContent()).toMatch(/^(just now|\d+ s ago)$/);
    expect(await when.getAttribute('title')).toMatch(/\d{4}/);
    expect(await seq.getByTestId('entry-target').textContent()).toBe('Local');
    const echo = list.getByRole('listitem').filter({ hasText: 'echo hi' }).first();
    expect(await echo.getByTestId('entry-target').textContent()).toBe(
      `Web 1 · 127.0.0.1:${stack.sshd?.port}`,
    );

    // One click: back in the prompt with its target, and running.
    const before = page.url();
    await seq.getByRole('button', { name: 'Run again: seq 1 12 on Local' }).click();
    await page.waitForURL((url) => url.href !== before && url.hash.startsWith('#/executions/'));
    await waitForStatus(page, 'completed');
    expect(await targetField(page).inputValue()).toBe('local');
    expect((await shownRows(page)).length).toBe(12);
    await expect
      .poll(() => list.getByRole('listitem').filter({ hasText: 'seq 1 12' }).count())
      .toBe(2);
  });

  it('keeps saved commands per user, in this browser, one click from running', async () => {
    const opened = await openConsole(browser, stack.url);
    open.push(opened);
    const { page } = opened;
    await signedIn(page, 'alice');
    await runCommand(page, 'echo saved-one', 'local');
    await waitForStatus(page, 'completed');
    const entry = history(page)
      .getByRole('list', { name: 'Executions' })
      .getByRole('listitem')
      .filter({ hasText: 'echo saved-one' })
      .first();
    const save = entry.getByRole('button', { name: 'Save: echo saved-one on Local' });
    await save.click();
    expect(await save.getAttribute('aria-pressed')).toBe('true');
    const saved = history(page).getByRole('list', { name: 'Saved commands' });
    expect(await saved.getByRole('listitem').count()).toBe(1);
    expect(await saved.getByRole('button', { name: 'Run echo saved-one on Local' }).count()).toBe(
      1,
    );
    expect(
      await saved
        .getByRole('button', { name: 'Remove echo saved-one on Local from saved' })
        .count(),
    ).toBe(1);
    expect(await axeViolations(page)).toEqual([]);

    // Another user of this browser has their own (none); alice's are still there after.
    // (Signing out ends the session: a request still in flight then gets 401.)
    expectedErrors = /status of (401 \(Unauthorized\)|403 \(Forbidden\))/;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signedIn(page, 'bob');
    await history(page)
      .getByRole('list', { name: 'Executions' })
      .or(history(page).getByText('No commands run yet.'))
      .first()
      .waitFor();
    expect(await saved.count()).toBe(0);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signedIn(page, 'alice');
    await page.reload();
    const run = saved.getByRole('button', { name: 'Run echo saved-one on Local' });
    await run.waitFor();
    const before = page.url();
    await run.click();
    await page.waitForURL((url) => url.href !== before && url.hash.startsWith('#/executions/'));
    await waitForStatus(page, 'completed');
    expect((await shownRows(page)).map((r) => r.text)).toEqual(['saved-one']);

    await saved.getByRole('button', { name: 'Remove echo saved-one on Local from saved' }).click();
    expect(await saved.count()).toBe(0);
    expect(await save.getAttribute('aria-pressed')).toBe('false');
  });

  it('is one Tab stop, with the arrow keys, Home and End inside', async () => {
    const page = await tab();
    for (const n of [1, 2, 3]) {
      await runCommand(page, `echo keys-${n}`, 'local');
      await waitForStatus(page, 'completed');
    }
    const list = history(page).getByRole('list', { name: 'Executions' });
    await expect.poll(() => list.getByRole('listitem').count()).toBeGreaterThanOrEqual(3);
    const count = await list.getByRole('listitem').count();
    expect(await list.locator('[tabindex="0"]').count()).toBe(1);

    const focused = (): Promise<string> =>
      page.evaluate(() => {
        const element = document.activeElement as HTMLElement | null;
        return `${element?.dataset.gridRow ?? '-'}:${element?.dataset.gridCol ?? '-'}`;
      });
    // Tab from the search box's filters reaches the list once, at its first entry.
    await history(page).getByRole('combobox', { name: 'Status' }).focus();
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('0:0');
    await page.keyboard.press('ArrowDown');
    expect(await focused()).toBe('1:0');
    await page.keyboard.press('ArrowRight');
    expect(await focused()).toBe('1:1');
    await page.keyboard.press('ArrowUp');
    expect(await focused()).toBe('0:1');
    await page.keyboard.press('End');
    expect(await focused()).toBe(`${count - 1}:0`);
    await page.keyboard.press('Home');
    expect(await focused()).toBe('0:0');
    await page.keyboard.press('ArrowDown');
    expect(await list.locator('[tabindex="0"]').count()).toBe(1);
    // Tab leaves the list; Shift+Tab comes back to where the focus was.
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('-:-');
    await page.keyboard.press('Shift+Tab');
    expect(await focused()).toBe('1:0');
    // Enter opens the entry.
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/executions\//);
    await waitForStatus(page, 'completed');
    expect((await shownRows(page)).map((r) => r.text)).toEqual(['keys-2']);
  });

  it('downloads output under a name with the target, the command and the time', async () => {
    const page = await tab();
    await runCommand(page, 'seq 1 3', 'local');
    await waitForStatus(page, 'completed');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download output' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^ogent-local-seq_1_3-\d{8}T\d{6}Z\.txt$/);
    expect(readFileSync(await download.path(), 'utf8')).toBe('1\n2\n3\n');
  });
});

describe('the target picker', () => {
  it('narrows the targets to those matching what is typed', async () => {
    const page = await tab();
    const field = targetField(page);
    const shown = (): Promise<string[]> =>
      page
        .getByRole('listbox', { name: 'Targets' })
        .locator('.target-option__label')
        .allTextContents();
    await field.fill('web');
    expect(await shown()).toEqual(['Web 1']);
    await field.fill('loc');
    expect(await shown()).toEqual(['Local']);
    await field.fill('nothing-like-it');
    expect(await shown()).toEqual([]);
  });
});

/**
 * The README's screenshot: the console as the quick start gives it (`npm start`: the embedded
 * default config, its `local` target and read-only commands), not a test fixture. Saved under
 * test-results on every run; `OGENT_UPDATE_SCREENSHOT=1` writes docs/screenshot.png instead.
 */
describe('the console on the embedded defaults', () => {
  let server: OgentServer;
  let dataDir: string;
  const password = 'readme-admin-password';

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'ogent-defaults-'));
    // As `npm start` would, but on a free port, in a scratch data directory, serving this build.
    const config = parseConfig(
      {
        ...DEFAULT_CONFIG,
        server: {
          ...DEFAULT_CONFIG.server,
          port: 0,
          dataDir,
          webRoot: WEB_ROOT,
          logLevel: 'silent',
        },
      },
      { source: 'default', baseDir: dataDir },
    );
    server = await startServer({
      config,
      bootstrapAdmin: true,
      announce: () => undefined,
      env: { OGENT_ADMIN_PASSWORD: password },
    });
  });

  afterAll(async () => {
    await server?.close();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs the default commands with colour, and is what the README shows', async () => {
    const opened = await openConsole(browser, server.url);
    open.push(opened);
    const { page } = opened;
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('signed-in-user').filter({ hasText: 'admin' }).waitFor();

    for (const command of ['uptime', 'df -h', 'sleep 4000']) {
      const input = commandInput(page);
      await input.fill(command);
      await input.press('Enter');
      if (command.startsWith('sleep')) {
        await page.getByRole('alert').filter({ hasText: 'Not permitted' }).waitFor();
        await input.press('Escape');
      } else {
        await page.waitForURL(/#\/executions\//);
        await waitForStatus(page, 'completed');
      }
    }
    await runCommand(page, 'ls -la --color=always /var/log', 'local');
    await waitForStatus(page, 'completed');
    // `ls --color=always` colours directories: SGR rendered, never shown as escape codes.
    await expect
      .poll(() => page.locator('.term-row span[style*="--ansi-"]').count())
      .toBeGreaterThan(0);
    expect(await page.locator('.term-row').filter({ hasText: '\x1b' }).count()).toBe(0);

    const input = commandInput(page);
    await input.fill('tail -n 50 /');
    await input.press('Tab');
    expect(await input.inputValue()).toBe('tail -n 50 /var/log');
    await page.mouse.move(0, 0);
    const file = fileURLToPath(
      new URL(
        process.env.OGENT_UPDATE_SCREENSHOT === '1'
          ? '../../../docs/screenshot.png'
          : '../test-results/screenshot-defaults.png',
        import.meta.url,
      ),
    );
    mkdirSync(path.dirname(file), { recursive: true });
    await page.screenshot({ path: file });
  });
});
