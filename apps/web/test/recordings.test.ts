import { readFileSync } from 'node:fs';
import {
  PAUSE_MS,
  type PauseScript,
  SHORTEST_GAP_MS,
  readCast,
  writePauseScript,
} from '@ogent/server/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsolePage,
  launchBrowser,
  openConsole,
  runCommand,
  signedIn,
  waitForStatus,
} from './support/browser';
import { type WebStack, startWebStack } from './support/stack';

let stack: WebStack;
let browser: Browser;
let pause: PauseScript;
let open: ConsolePage[] = [];

beforeAll(async () => {
  pause = writePauseScript();
  [stack, browser] = await Promise.all([
    startWebStack({
      sshd: false,
      config: { commands: { pause: { path: pause.path } } },
    }),
    launchBrowser(),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  pause?.remove();
});

afterEach(async () => {
  const errors = open.flatMap((o) => o.errors);
  await Promise.all(open.map((o) => o.context.close()));
  open = [];
  expect(errors).toEqual([]);
});

/** The rows drawn, with what their time column holds (undefined: no time column). */
function drawnRows(page: Page): Promise<{ text: string; time: string | undefined }[]> {
  return page.locator('.terminal__window .term-row').evaluateAll((rows) =>
    rows.map((row) => ({
      text: row.textContent ?? '',
      time: (row as HTMLElement).dataset.time,
    })),
  );
}

/** `12:04:05.123` as milliseconds of the day. */
function clockMs(time: string | undefined): number {
  const match = /^(\d\d):(\d\d):(\d\d)\.(\d{3})$/.exec(time ?? '');
  if (match === null) throw new Error(`not a time of day: ${String(time)}`);
  const [, h, m, s, ms] = match.map(Number) as [number, number, number, number, number];
  return ((h * 60 + m) * 60 + s) * 1000 + ms;
}

/** `+1.234` (or `+1:02.345`) as milliseconds. */
function elapsedMs(time: string | undefined): number {
  const match = /^\+(?:(\d+):)?(\d+)\.(\d{3})$/.exec(time ?? '');
  if (match === null) throw new Error(`not a time since the start: ${String(time)}`);
  return (Number(match[1] ?? 0) * 60 + Number(match[2])) * 1000 + Number(match[3]);
}

describe('recordings and line times in the console', () => {
  it('shows when each line arrived, in order with the pause visible; the choice outlives a reload', async () => {
    const opened = await openConsole(browser, stack.url);
    open.push(opened);
    const { page } = opened;
    await signedIn(page, 'alice');
    await runCommand(page, 'pause', 'local');
    await waitForStatus(page, 'completed');

    const toggle = page.getByRole('button', { name: 'Timestamps' });
    expect(await toggle.getAttribute('aria-pressed')).toBe('false');
    expect((await drawnRows(page)).map((r) => r.time)).toEqual([undefined, undefined, undefined]);

    await toggle.click();
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');
    const rows = await drawnRows(page);
    expect(rows.map((r) => r.text).sort()).toEqual([
      'after pause',
      'before pause',
      'warning: pausing',
    ]);
    const times = rows.map((r) => clockMs(r.time));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const at = (text: string): number => clockMs(rows.find((r) => r.text === text)?.time);
    expect(at('after pause') - at('before pause')).toBeGreaterThanOrEqual(SHORTEST_GAP_MS);
    // Drawn in a column before the line number, outside the text (a copy takes no times).
    const column = await page
      .locator('.terminal__window .term-row')
      .first()
      .evaluate((row) => ({
        shown: getComputedStyle(row, '::after').content,
        textStartsAt: Number.parseFloat(getComputedStyle(row).paddingLeft),
        numberAt: Number.parseFloat(
          getComputedStyle(row.querySelector('.term-row__line') ?? row).left,
        ),
      }));
    expect(column.shown).toBe(JSON.stringify(rows[0]?.time));
    expect(column.numberAt).toBeGreaterThan(0);
    expect(column.textStartsAt).toBeGreaterThan(column.numberAt);

    // Since the start instead of the time of day.
    await page.getByRole('combobox', { name: 'Timestamps as' }).selectOption('elapsed');
    const elapsed = await drawnRows(page);
    const since = (text: string): number => elapsedMs(elapsed.find((r) => r.text === text)?.time);
    expect(since('before pause')).toBeLessThan(PAUSE_MS);
    expect(since('after pause') - since('before pause')).toBeGreaterThanOrEqual(SHORTEST_GAP_MS);

    // A reload (or another day) shows them the same way.
    await page.reload();
    await waitForStatus(page, 'completed');
    expect(
      await page.getByRole('button', { name: 'Timestamps' }).getAttribute('aria-pressed'),
    ).toBe('true');
    await expect
      .poll(async () => (await drawnRows(page)).map((r) => elapsedMs(r.time) >= 0))
      .toEqual([true, true, true]);
    await page.getByRole('button', { name: 'Timestamps' }).click();
    expect((await drawnRows(page)).map((r) => r.time)).toEqual([undefined, undefined, undefined]);
  });

  it('downloads the execution as an asciicast recording', async () => {
    const opened = await openConsole(browser, stack.url);
    open.push(opened);
    const { page } = opened;
    await signedIn(page, 'alice');
    await runCommand(page, 'pause', 'local');
    await waitForStatus(page, 'completed');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download recording' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^ogent-local-pause-\d{8}T\d{6}Z\.cast$/);
    const cast = readCast(readFileSync(await download.path(), 'utf8'), 3);
    expect(cast.header).toMatchObject({ version: 3, command: 'pause', title: 'local: pause' });
    const timeOf = (text: string): number =>
      cast.events.find((e) => e.code === 'o' && e.data.includes(text))?.time ?? Number.NaN;
    expect(timeOf('after pause') - timeOf('before pause')).toBeGreaterThanOrEqual(
      SHORTEST_GAP_MS / 1000,
    );
    expect(cast.events.at(-1)).toMatchObject({ code: 'x', data: '0' });
    await page.getByText(/^Saved ogent-local-pause-.*\.cast\.$/).waitFor();
  });
});
