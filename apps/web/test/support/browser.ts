import { TEST_USERS } from '@ogent/server/testing';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import { expect } from 'vitest';

/** Debian's Chromium, headless, with nothing that talks to the outside world. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface ConsolePage {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Uncaught errors and console errors the page reported. */
  readonly errors: string[];
}

/** A phone's screen, in CSS pixels: Chromium then lays the page out as a phone's browser does. */
export interface PhoneScreen {
  readonly width: number;
  readonly height: number;
}

/**
 * A fresh browser context (its own sessionStorage) on the console: a desktop window, or a phone
 * (`phone`: its viewport, touch, and the page's `<meta name="viewport">` honoured).
 */
export async function openConsole(
  browser: Browser,
  url: string,
  options: {
    colorScheme?: 'light' | 'dark';
    clipboard?: boolean;
    notifications?: boolean;
    phone?: PhoneScreen;
  } = {},
): Promise<ConsolePage> {
  const context = await browser.newContext({
    viewport: options.phone ?? { width: 1360, height: 820 },
    ...(options.phone === undefined
      ? {}
      : { isMobile: true, hasTouch: true, deviceScaleFactor: 2 }),
    colorScheme: options.colorScheme ?? 'light',
    acceptDownloads: true,
  });
  const permissions = [
    ...(options.clipboard === true ? ['clipboard-read', 'clipboard-write'] : []),
    ...(options.notifications === true ? ['notifications'] : []),
  ];
  if (permissions.length > 0) await context.grantPermissions(permissions, { origin: url });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  await page.goto(url);
  return { context, page, errors };
}

export type TestUser = keyof typeof TEST_USERS;

export async function signIn(page: Page, user: TestUser, password?: string): Promise<void> {
  const { username, password: correct } = TEST_USERS[user];
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password ?? correct);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export async function signedIn(page: Page, user: TestUser): Promise<void> {
  await signIn(page, user);
  await page.getByTestId('signed-in-user').filter({ hasText: TEST_USERS[user].username }).waitFor();
}

export function commandInput(page: Page) {
  return page.getByRole('textbox', { name: 'Command' });
}

export function commandForm(page: Page) {
  return page.getByRole('form', { name: 'Run a command' });
}

/** The Target field: a target's id, several, or a selector. */
export function targetField(page: Page) {
  return commandForm(page).getByRole('combobox', { name: 'Target' });
}

/** The targets the Target field offers (their names), as a user sees them on focusing it. */
export async function offeredTargets(page: Page): Promise<string[]> {
  await targetField(page).focus();
  return page
    .getByRole('listbox', { name: 'Targets' })
    .locator('.target-option__label')
    .allTextContents();
}

/** Types a command at the prompt and presses Enter; returns the execution id from the URL. */
export async function runCommand(page: Page, command: string, target = 'local'): Promise<string> {
  await targetField(page).fill(target);
  const input = commandInput(page);
  await input.fill(command);
  const before = page.url();
  await input.press('Enter');
  await page.waitForURL(
    (url) => url.href !== before && /#\/executions\/[0-9a-f-]{36}$/.test(url.href),
  );
  const id = /#\/executions\/([0-9a-f-]{36})$/.exec(page.url())?.[1];
  if (id === undefined) throw new Error(`no execution id in ${page.url()}`);
  return id;
}

/** The status shown in the open execution's status bar. */
export function shownStatus(page: Page): Promise<string | null> {
  return page.locator('.run__status [data-status]').getAttribute('data-status', { timeout: 1_000 });
}

/**
 * Waits for the open execution to show `status`. For a final status, also for all its output
 * to be in (a finished run shows its status from the record while its output is replayed).
 */
export async function waitForStatus(page: Page, status: string, timeout = 30_000): Promise<void> {
  const scope = status === 'running' ? '.run' : '.run[data-phase="ended"]';
  await page.locator(`${scope} .run__status [data-status="${status}"]`).waitFor({ timeout });
}

export interface ShownRow {
  readonly row: number;
  readonly line: string;
  readonly text: string;
  readonly stderr: boolean;
}

/**
 * Every row of the open output, read from the page the way a user would see it: the view is
 * virtualised, so this scrolls through it a screen at a time and reads the rows drawn.
 */
export async function shownRows(page: Page): Promise<ShownRow[]> {
  return page.locator('.terminal__scroller').evaluate(async (scroller: HTMLElement) => {
    const frame = (): Promise<void> =>
      new Promise((resolve) => requestAnimationFrame(() => resolve()));
    const rows = new Map<number, { row: number; line: string; text: string; stderr: boolean }>();
    const total = Number(scroller.dataset.rows);
    for (let top = 0; ; top += Math.max(20, scroller.clientHeight - 40)) {
      scroller.scrollTop = top;
      // Wait until the rows at both edges of the view are drawn.
      const first = Math.min(total - 1, Math.floor(scroller.scrollTop / 20));
      const last = Math.min(
        total - 1,
        Math.floor((scroller.scrollTop + scroller.clientHeight - 1) / 20),
      );
      const drawn = (): boolean =>
        scroller.querySelector(`[data-row="${first}"]`) !== null &&
        scroller.querySelector(`[data-row="${last}"]`) !== null;
      for (let i = 0; i < 60 && !drawn(); i += 1) await frame();
      for (const element of scroller.querySelectorAll<HTMLElement>('.term-row')) {
        const row = Number(element.dataset.row);
        rows.set(row, {
          row,
          line: element.dataset.line ?? '',
          text: element.textContent ?? '',
          stderr: element.classList.contains('term-row--stderr'),
        });
      }
      if (scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 1) break;
    }
    return [...rows.values()].sort((a, b) => a.row - b.row);
  });
}

/** What `emit N` prints: numbered lines on stdout, every tenth also on stderr. */
export function emitOutput(n: number): { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  for (let i = 1; i <= n; i += 1) {
    stdout.push(`out ${i}`);
    if (i % 10 === 0) stderr.push(`err ${i}`);
  }
  return { stdout, stderr };
}

/** The rows shown, split by stream, checked to be numbered 1..n without gaps. */
export function splitRows(rows: readonly ShownRow[]): { stdout: string[]; stderr: string[] } {
  expect(rows.map((r) => r.row)).toEqual(rows.map((_, i) => i));
  return {
    stdout: rows.filter((r) => !r.stderr).map((r) => r.text),
    stderr: rows.filter((r) => r.stderr).map((r) => r.text),
  };
}
