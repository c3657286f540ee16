import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TEST_USERS, typedClient } from '@ogent/server/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, contrastRatio } from './support/accessibility';
import {
  type ConsolePage,
  type PhoneScreen,
  commandInput,
  launchBrowser,
  openConsole,
  runCommand,
  signIn,
  signedIn,
  targetField,
  waitForStatus,
} from './support/browser';
import { type WebStack, startWebStack } from './support/stack';

/** Screenshots of the phone layouts, for review (test-results is ignored by git). */
const RESULTS = new URL('../test-results/', import.meta.url);

/**
 * The product's own name for its one default target: a label that does not spell its id, the
 * case where the console must show both. No sshd: every screen here runs on the local target.
 */
const THIS_SERVER = { id: 'local', transport: 'local', label: 'This server' } as const;

let stack: WebStack;
let browser: Browser;
let open: ConsolePage[] = [];

beforeAll(async () => {
  [stack, browser] = await Promise.all([
    startWebStack({ sshd: false, config: { targets: [THIS_SERVER] } }),
    launchBrowser(),
  ]);
  mkdirSync(fileURLToPath(RESULTS), { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** A fresh tab; every tab opened in a test is closed after it, and must not have logged errors. */
async function tab(options: Parameters<typeof openConsole>[2] = {}): Promise<ConsolePage> {
  const opened = await openConsole(browser, stack.url, options);
  open.push(opened);
  return opened;
}

afterEach(async () => {
  const errors = open.flatMap((o) => o.errors);
  await Promise.all(open.map((o) => o.context.close()));
  open = [];
  // The browser logs the answers to a wrong password and to a refused command.
  expect(errors.filter((e) => !/Failed to load resource: .* (401|403) /.test(e))).toEqual([]);
});

/** The computed value of a colour token of the stylesheet, as the browser resolves it. */
function token(page: Page, name: string): Promise<string> {
  return page.evaluate((property) => {
    const probe = document.createElement('span');
    probe.style.color = `var(${property})`;
    document.body.append(probe);
    const colour = getComputedStyle(probe).color;
    probe.remove();
    return colour;
  }, name);
}

/** A status badge as shown: its words, its icon, its colour. */
async function badge(page: Page, selector: string) {
  const element = page.locator(selector).first();
  return {
    text: await element.evaluate((el) => el.textContent ?? ''),
    status: await element.getAttribute('data-status'),
    colour: await element.evaluate((el) => getComputedStyle(el).color),
  };
}

describe('failures that read as failures', () => {
  it('shows a non-zero exit as "Exit 2" in red in the header, the status bar and the history, and in the tab title', async () => {
    const { page } = await tab();
    await signedIn(page, 'alice');
    const danger = await token(page, '--danger');
    const ok = await token(page, '--ok');

    // `ls` of a missing path runs to its end and exits with 2.
    const failedId = await runCommand(page, 'ls /no-such-dir');
    await waitForStatus(page, 'completed');
    const expected = { text: '✕Exit 2', status: 'completed', colour: danger };
    expect(await badge(page, '.run__header [data-status]')).toEqual(expected);
    expect(await badge(page, '.run__status [data-status]')).toEqual(expected);
    expect(
      await badge(page, `.history-item[data-execution-id="${failedId}"] [data-status]`),
    ).toEqual(expected);
    expect(await page.getByTestId('exit-code').textContent()).toBe('2');
    await expect.poll(() => page.title()).toBe('✗ Exit 2 · ls /no-such-dir — Ogent');

    // The API's status is what it was: the command ran to its end.
    let apiToken: string | null = null;
    const api = typedClient(stack.url, () => apiToken);
    try {
      const { username, password } = TEST_USERS.alice;
      apiToken = (await api.trpc.auth.login.mutate({ username, password })).token;
      const record = await api.trpc.exec.byId.query({ executionId: failedId });
      expect([record.status, record.exitCode]).toEqual(['completed', 2]);
    } finally {
      await api.close();
    }

    // Exit 0 stays a success.
    await runCommand(page, 'ls /');
    await waitForStatus(page, 'completed');
    expect(await badge(page, '.run__status [data-status]')).toEqual({
      text: '✓Completed',
      status: 'completed',
      colour: ok,
    });
    await expect.poll(() => page.title()).toBe('✓ ls / — Ogent');

    // Running, then cancelled: the title follows.
    await runCommand(page, 'sleep 60');
    await expect.poll(() => page.title()).toBe('… Running · sleep 60 — Ogent');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await waitForStatus(page, 'cancelled');
    await expect.poll(() => page.title()).toBe('■ Cancelled · sleep 60 — Ogent');

    // Nothing open: the product's name alone.
    await page.getByRole('link', { name: 'Ogent console home' }).click();
    await expect.poll(() => page.title()).toBe('Ogent');
  });

  it('notifies, once turned on, of a long command that ended while the tab was hidden', async () => {
    const { context, page } = await tab();
    // Record the notifications the page makes (the real ones still go to the browser), the
    // permission requests, and let the test hide the tab: headless Chromium shows every page.
    await context.addInitScript(() => {
      const w = window as unknown as {
        shown: { title: string; body: string | undefined }[];
        asked: number;
        hidden: boolean;
      };
      w.shown = [];
      w.asked = 0;
      w.hidden = false;
      const Real = window.Notification;
      class Recording extends Real {
        constructor(title: string, options?: NotificationOptions) {
          w.shown.push({ title, body: options?.body });
          super(title, options);
        }
      }
      Object.defineProperty(Recording, 'permission', { get: () => Real.permission });
      Object.defineProperty(Recording, 'requestPermission', {
        value: () => {
          w.asked += 1;
          return Real.requestPermission();
        },
      });
      window.Notification = Recording;
      Object.defineProperty(Document.prototype, 'visibilityState', {
        configurable: true,
        get: () => (w.hidden ? 'hidden' : 'visible'),
      });
    });
    await page.reload();
    const state = (): Promise<{ shown: { title: string; body?: string }[]; asked: number }> =>
      page.evaluate(() => {
        const w = window as unknown as { shown: []; asked: number };
        return { shown: w.shown, asked: w.asked };
      });
    const hide = (hidden: boolean): Promise<void> =>
      page.evaluate(
        (value) => void ((window as unknown as { hidden: boolean }).hidden = value),
        hidden,
      );

    await signedIn(page, 'alice');
    const toggle = page.getByRole('button', { name: 'Notify me when a long command ends' });
    expect(await toggle.getAttribute('aria-pressed')).toBe('false');
    // Off by default, and nothing asked of the browser until the user turns it on.
    await runCommand(page, 'sleep 1');
    await hide(true);
    await waitForStatus(page, 'completed');
    expect(await state()).toEqual({ shown: [], asked: 0 });
    await hide(false);

    // Turned on: the browser asks. Headless Chromium says no (as a user may): it stays off and
    // says where to allow it. Allowed there, the next turn puts it on.
    await toggle.click();
    await page.getByRole('status').filter({ hasText: 'Notifications are blocked' }).waitFor();
    expect(await toggle.getAttribute('aria-pressed')).toBe('false');
    expect((await state()).asked).toBe(1);
    await context.grantPermissions(['notifications'], { origin: stack.url });
    await toggle.click();
    await expect.poll(() => toggle.getAttribute('aria-pressed')).toBe('true');

    // A short run that ends while hidden: no notification.
    await runCommand(page, 'sleep 1');
    await hide(true);
    await waitForStatus(page, 'completed');
    expect((await state()).shown).toEqual([]);

    // A long one: one, naming the command, its state and where it ran.
    await hide(false);
    await runCommand(page, 'sleep 11');
    await hide(true);
    await waitForStatus(page, 'completed', 30_000);
    await expect.poll(async () => (await state()).shown).toHaveLength(1);
    const [shown] = (await state()).shown;
    expect(shown?.title).toBe('✓ sleep 11');
    expect(shown?.body).toMatch(/^on This server \(local\) · \d+(\.\d+)? s$/);

    // Turned off again: it stays off across a reload.
    await toggle.click();
    await expect.poll(() => toggle.getAttribute('aria-pressed')).toBe('false');
    await page.reload();
    await page.getByTestId('signed-in-user').waitFor();
    expect(await toggle.getAttribute('aria-pressed')).toBe('false');
  });
});

describe('one name per target', () => {
  it('names the target "This server (local)" in the Target field, the header, the history and refusals', async () => {
    const { page } = await tab();
    await signedIn(page, 'alice');
    await expect.poll(() => targetField(page).inputValue()).toBe('local');
    expect(await page.getByTestId('target-name').textContent()).toBe('This server (local)');
    await page.getByRole('region', { name: 'Allowed on This server (local)' }).waitFor();
    expect(await commandInput(page).getAttribute('placeholder')).toBe(
      'Command to run on This server (local)',
    );

    const id = await runCommand(page, 'ls /');
    await waitForStatus(page, 'completed');
    expect(await page.locator('.run__meta strong').first().textContent()).toBe(
      'This server (local)',
    );
    expect(
      await page
        .locator(`.history-item[data-execution-id="${id}"] .history-item__meta`)
        .textContent(),
    ).toContain('This server (local)');

    // The server's reason names the target by its id; the console ties the two together.
    await commandInput(page).fill('whoami');
    await commandInput(page).press('Enter');
    const refusal = page.getByRole('alert').filter({ hasText: 'Not permitted' });
    await refusal.waitFor();
    expect(await refusal.locator('.refusal__reason').textContent()).toMatch(
      /^Not permitted on This server \(local\): .*\blocal\b/,
    );
  });
});

/** Rows of output a person can see now: inside the window and not covered by anything. */
function visibleOutputRows(page: Page): Promise<number> {
  return page.evaluate(() => {
    let count = 0;
    for (const row of document.querySelectorAll<HTMLElement>('.terminal .term-row')) {
      const box = row.getBoundingClientRect();
      if (box.height === 0 || box.top < 0 || box.bottom > window.innerHeight) continue;
      const probes = [box.top + 1, box.top + box.height / 2, box.bottom - 1].map((y) =>
        document.elementFromPoint(box.left + Math.min(60, box.width / 2), y),
      );
      if (probes.every((hit) => hit !== null && row.contains(hit))) count += 1;
    }
    return count;
  });
}

/** How far the page reaches sideways, against the window's width. */
function widths(page: Page): Promise<{ scroll: number; window: number }> {
  return page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    window: window.innerWidth,
  }));
}

describe('phones and small screens', () => {
  const screens: readonly (PhoneScreen & { name: string })[] = [
    { name: 'upright', width: 390, height: 844 },
    { name: 'on its side', width: 844, height: 390 },
  ];

  it.each(screens)(
    'a phone $name ($width x $height): the output gets the screen, history in a drawer, nothing sideways',
    async (screen) => {
      const { page } = await tab({ phone: screen });
      expect(await widths(page)).toEqual({ scroll: screen.width, window: screen.width });
      await signedIn(page, 'alice');
      expect(await widths(page)).toEqual({ scroll: screen.width, window: screen.width });

      // A refusal's long reason wraps.
      await commandInput(page).fill('ls; id');
      await commandInput(page).press('Enter');
      await page.locator('.refusal').waitFor();
      expect(await widths(page)).toEqual({ scroll: screen.width, window: screen.width });

      // The history is not beside the console: it is behind the History button.
      expect(await page.locator('.history').isVisible()).toBe(false);

      await runCommand(page, 'emit 60');
      await waitForStatus(page, 'completed');
      await page.getByTestId('line-count').filter({ hasText: '66 lines' }).waitFor();
      const rows = await visibleOutputRows(page);
      expect(rows).toBeGreaterThanOrEqual(15);
      expect(await widths(page)).toEqual({ scroll: screen.width, window: screen.width });
      await page.screenshot({
        path: fileURLToPath(new URL(`phone-${screen.width}x${screen.height}.png`, RESULTS)),
      });
      console.log(`${screen.width}x${screen.height}: ${rows} output lines visible after a run`);

      // The prompt is within reach (upright it is on screen with the output; on its side, below
      // it) and runs the next command.
      if (screen.height > screen.width) {
        const box = await commandInput(page).boundingBox();
        expect(box !== null && box.y >= 0 && box.y + box.height <= screen.height).toBe(true);
      }
      await runCommand(page, 'ls /');
      await waitForStatus(page, 'completed');

      // The drawer: opened by its button, the focus in it, the page behind it inert, Escape
      // closes it and gives the focus back.
      const opener = page.getByRole('button', { name: 'History', exact: true });
      expect(await opener.getAttribute('aria-expanded')).toBe('false');
      await opener.click();
      const drawer = page.getByRole('dialog', { name: 'History' });
      await drawer.waitFor();
      expect(await opener.getAttribute('aria-expanded')).toBe('true');
      const focusInDrawer = (): Promise<boolean> =>
        page.evaluate(() => document.activeElement?.closest('[role="dialog"]') !== null);
      expect(await focusInDrawer()).toBe(true);
      for (let i = 0; i < 4; i += 1) {
        await page.keyboard.press('Tab');
        expect(await focusInDrawer()).toBe(true);
      }
      expect(await page.locator('main').evaluate((main: HTMLElement) => main.inert)).toBe(true);
      expect(await widths(page)).toEqual({ scroll: screen.width, window: screen.width });
      await page.screenshot({
        path: fileURLToPath(new URL(`phone-${screen.width}x${screen.height}-history.png`, RESULTS)),
      });
      await page.keyboard.press('Escape');
      await drawer.waitFor({ state: 'hidden' });
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('History');
      expect(await page.locator('main').evaluate((main: HTMLElement) => main.inert)).toBe(false);

      // Opening an execution from it shows that execution and closes the drawer.
      await opener.click();
      const first = drawer.locator('.history-item').filter({ hasText: 'emit 60' }).first();
      await first.click();
      await drawer.waitFor({ state: 'hidden' });
      await page.getByTestId('line-count').filter({ hasText: '66 lines' }).waitFor();
    },
  );
});

describe('accessibility', () => {
  it('keeps the focus on the password field after a failed sign-in', async () => {
    const { page } = await tab();
    await signIn(page, 'alice', 'not-her-password');
    await page.getByRole('alert').filter({ hasText: 'Invalid username or password' }).waitFor();
    const focused = await page.evaluate(() => {
      const element = document.activeElement;
      return element instanceof HTMLInputElement ? [element.name, element.value] : null;
    });
    expect(focused).toEqual(['password', '']);
    // From there the keyboard alone signs in.
    await page.keyboard.type(TEST_USERS.alice.password);
    await page.keyboard.press('Enter');
    await page.getByTestId('signed-in-user').waitFor();
  });

  it('has no critical, serious or moderate axe violation on the sign-in, console, output, refusal and history screens', async () => {
    const { page } = await tab();
    const screens: Record<string, unknown> = {};
    const check = async (name: string): Promise<void> => {
      screens[name] = await axeViolations(page);
      expect(await page.getByRole('heading', { level: 1 }).count(), name).toBe(1);
    };

    await check('sign-in');
    await signedIn(page, 'alice');
    await page.getByRole('region', { name: /^Allowed on/ }).waitFor();
    await check('console');

    await runCommand(page, 'emit 30');
    await waitForStatus(page, 'completed');
    await check('output');
    await runCommand(page, "printf '\\033[1;34m%s\\033[0m \\033[32mok\\033[0m\\n' api worker");
    await waitForStatus(page, 'completed');
    await check('coloured output');
    await runCommand(page, 'ls /no-such-dir');
    await waitForStatus(page, 'completed');
    await check('non-zero exit');

    await commandInput(page).fill('ls; id');
    await commandInput(page).press('Enter');
    await page.locator('.refusal').waitFor();
    await check('refusal');

    // History: the list, then a refused attempt opened from it.
    await page.keyboard.press('Escape');
    const refused = page.locator('.history-item').filter({ hasText: 'ls; id' }).first();
    await refused.click();
    await waitForStatus(page, 'refused');
    await check('history');

    await page.emulateMedia({ colorScheme: 'dark' });
    await check('history, dark');
    await page.locator('.history-item').filter({ hasText: 'emit 30' }).first().click();
    await waitForStatus(page, 'completed');
    await check('output, dark');

    expect(screens).toEqual(Object.fromEntries(Object.keys(screens).map((name) => [name, []])));
  });

  it('draws line numbers and placeholders at 4.5:1 or more, light and dark', async () => {
    const { page } = await tab();
    await signedIn(page, 'alice');
    await runCommand(page, 'emit 10');
    await waitForStatus(page, 'completed');
    const ratios: Record<string, number> = {};
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const colours = await page.evaluate(() => {
        /** The first opaque background behind an element. */
        const background = (element: Element | null): string => {
          for (let at = element; at !== null; at = at.parentElement) {
            const colour = getComputedStyle(at).backgroundColor;
            if (!/rgba\(.*, 0\)$|transparent/.test(colour)) return colour;
          }
          return 'rgb(255, 255, 255)';
        };
        const row = document.querySelector('.term-row');
        // The line number is drawn by a ::before, of the row or of an element in it.
        const numbered = [row, ...(row?.querySelectorAll('*') ?? [])].find(
          (at) =>
            at !== null && !['none', 'normal'].includes(getComputedStyle(at, '::before').content),
        );
        const input = document.getElementById('command-input');
        const search = document.querySelector('.history input[type="search"], .history input');
        return {
          gutter: [numbered && getComputedStyle(numbered, '::before').color, background(row)],
          'command placeholder': [
            input && getComputedStyle(input, '::placeholder').color,
            background(input),
          ],
          'history search placeholder': [
            search && getComputedStyle(search, '::placeholder').color,
            background(search),
          ],
        };
      });
      for (const [name, [fg, bg]] of Object.entries(colours)) {
        ratios[`${name}, ${scheme}`] = Math.round(contrastRatio(fg ?? '', bg ?? '') * 100) / 100;
      }
    }
    console.log('contrast', ratios);
    for (const [name, ratio] of Object.entries(ratios)) {
      expect(ratio, name).toBeGreaterThanOrEqual(4.5);
    }
  });
});
