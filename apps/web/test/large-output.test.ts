import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  commandInput,
  launchBrowser,
  openConsole,
  signedIn,
  targetField,
  waitForStatus,
} from './support/browser';
import { TcpProxy } from './support/proxy';
import { type WebStack, startWebStack } from './support/stack';

let stack: WebStack;
let browser: Browser;
/** Between a browser and the server, to cut the connection mid-stream. */
let proxy: TcpProxy;

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

interface Figures {
  longTasks: number;
  longestTask: number;
  longTaskTotal: number;
  maxFrameGap: number;
  frames: number;
  heapBytes: number | null;
}

declare global {
  interface Window {
    perfProbe: { start(): void; stop(): Figures };
  }
}

/** Installed before the page's own scripts: long tasks and gaps between animation frames. */
function installProbe(): void {
  const longTasks: number[] = [];
  let measuring = false;
  new PerformanceObserver((list) => {
    if (measuring) for (const entry of list.getEntries()) longTasks.push(entry.duration);
  }).observe({ type: 'longtask', buffered: false });
  let last = 0;
  let maxGap = 0;
  let frames = 0;
  const tick = (now: number): void => {
    if (!measuring) return;
    if (last !== 0) maxGap = Math.max(maxGap, now - last);
    last = now;
    frames += 1;
    requestAnimationFrame(tick);
  };
  window.perfProbe = {
    start() {
      longTasks.length = 0;
      measuring = true;
      last = 0;
      maxGap = 0;
      frames = 0;
      requestAnimationFrame(tick);
    },
    stop() {
      measuring = false;
      const memory = (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory;
      return {
        longTasks: longTasks.length,
        longestTask: Math.max(0, ...longTasks),
        longTaskTotal: longTasks.reduce((a, b) => a + b, 0),
        maxFrameGap: maxGap,
        frames,
        heapBytes: memory?.usedJSHeapSize ?? null,
      };
    },
  };
}

/**
 * Runs `action`, then waits until the completed status and every line are shown: that is when
 * the user has it all.
 */
async function finalFigures(
  page: Page,
  lines: number,
  action: () => Promise<void>,
): Promise<Figures & { seconds: number }> {
  await page.evaluate(() => window.perfProbe.start());
  const started = performance.now();
  await action();
  await waitForStatus(page, 'completed', 240_000);
  await page
    .getByTestId('line-count')
    .filter({ hasText: `${new Intl.NumberFormat('en-US').format(lines)} lines` })
    .waitFor({ timeout: 240_000 });
  const seconds = (performance.now() - started) / 1000;
  return { ...(await page.evaluate(() => window.perfProbe.stop())), seconds };
}

function report(label: string, f: Figures & { seconds: number }): string {
  const heap = f.heapBytes === null ? 'n/a' : `${(f.heapBytes / 1e6).toFixed(0)} MB`;
  return (
    `  ${label.padEnd(22)} all shown after ${f.seconds.toFixed(2)} s; ` +
    `long tasks ${f.longTasks} (longest ${f.longestTask.toFixed(0)} ms, total ${f.longTaskTotal.toFixed(0)} ms); ` +
    `${f.frames} frames, longest gap ${f.maxFrameGap.toFixed(0)} ms; JS heap ${heap}`
  );
}

describe('50 MB of output', () => {
  it('reaches the final status with the page responsive, and shows every line', async () => {
    const lines = 7_000_000; // `seq 1 7000000`: 54.9 MB
    const command = `seq 1 ${lines}`;
    const { context, page } = await openConsole(browser, stack.url);
    try {
      await context.addInitScript(installProbe);
      await page.reload();
      await signedIn(page, 'alice');
      const results: string[] = [];
      const target = targetField(page);

      for (const [label, targetId] of [
        ['live, local target', 'local'],
        ['live, ssh target', 'web-1'],
      ] as const) {
        await target.fill(targetId);
        await commandInput(page).fill(command);
        const before = page.url();
        const figures = await finalFigures(page, lines, async () => {
          await commandInput(page).press('Enter');
          // Then wait for the new run: the previous one shows the same final state.
          await page.waitForURL(
            (url) => url.href !== before && url.hash.startsWith('#/executions/'),
          );
        });
        results.push(report(label, figures));
        expect(figures.seconds).toBeLessThan(240);
        expect(figures.maxFrameGap).toBeLessThan(5_000);

        expect(await page.getByTestId('line-count').textContent()).toContain(
          `${new Intl.NumberFormat('en-US').format(lines)} lines`,
        );
        // Followed to the end: the last line is on screen, numbered as itself.
        const last = page.locator(`.term-row[data-row="${lines - 1}"]`);
        expect(await last.textContent()).toBe(String(lines));
        expect(await last.getAttribute('data-line')).toBe(String(lines));
        // Only what is in view is in the DOM.
        expect(await page.locator('.term-row').count()).toBeLessThan(120);
      }

      // Scrolled to the middle (the scroll range is scaled past the browser's height limit),
      // every row shown is the line its number says.
      const middle = await page.locator('.terminal__scroller').evaluate(async (el) => {
        el.scrollTop = el.scrollHeight / 2;
        await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
        return [...el.querySelectorAll<HTMLElement>('.term-row')].map((r) => [
          r.dataset.line,
          r.textContent,
        ]);
      });
      expect(middle.length).toBeGreaterThan(20);
      for (const [line, text] of middle) expect(text).toBe(line);
      expect(Number(middle[0]?.[0])).toBeGreaterThan(lines * 0.4);

      // Arrow keys and the wheel move by lines there too, not by dozens of lines per step.
      const scroller = page.locator('.terminal__scroller');
      const topLine = (): Promise<number> =>
        scroller.evaluate((el) => {
          const edge = el.getBoundingClientRect().top;
          const rows = [...el.querySelectorAll<HTMLElement>('.term-row')];
          const first = rows.find((r) => r.getBoundingClientRect().bottom > edge + 1);
          return Number(first?.dataset.line);
        });
      await scroller.focus();
      const beforeKeys = await topLine();
      for (let i = 0; i < 5; i += 1) await page.keyboard.press('ArrowDown');
      await expect.poll(topLine).toBeGreaterThan(beforeKeys + 2);
      expect((await topLine()) - beforeKeys).toBeLessThanOrEqual(8);
      await scroller.hover();
      const beforeWheel = await topLine();
      await page.mouse.wheel(0, 100);
      await expect.poll(topLine).toBeGreaterThan(beforeWheel + 2);
      expect((await topLine()) - beforeWheel).toBeLessThanOrEqual(10);

      // Opening it again from the history replays the stored output, as fast as it can be read.
      const id = /#\/executions\/([0-9a-f-]{36})$/.exec(page.url())?.[1] ?? '';
      await page.getByRole('link', { name: 'Ogent console home' }).click();
      await page.getByRole('region', { name: 'Allowed on Web 1' }).waitFor();
      const replay = await finalFigures(page, lines, async () => {
        await page.locator(`.history-item[data-execution-id="${id}"]`).click();
      });
      results.push(report('replay from history', replay));
      expect(await page.getByTestId('line-count').textContent()).toContain('7,000,000 lines');

      console.log([`50 MB of output (${command}, 54.9 MB):`, ...results].join('\n'));
    } finally {
      await context.close();
    }
  });

  it('loses and doubles no line when the connection drops mid-stream', async () => {
    const lines = 7_000_000;
    const { context, page } = await openConsole(browser, proxy.url);
    try {
      await signedIn(page, 'alice');
      await targetField(page).fill('web-1');
      await commandInput(page).fill(`seq 1 ${lines}`);
      await commandInput(page).press('Enter');
      const scroller = page.locator('.terminal__scroller');
      const rows = async (): Promise<number> => Number(await scroller.getAttribute('data-rows'));
      for (const threshold of [500_000, 3_000_000]) {
        await expect.poll(rows, { timeout: 60_000, interval: 10 }).toBeGreaterThan(threshold);
        expect(await page.locator('.run__status [data-status]').getAttribute('data-status')).toBe(
          'running',
        );
        proxy.drop();
      }
      await waitForStatus(page, 'completed', 120_000);
      await page.getByTestId('line-count').filter({ hasText: '7,000,000 lines' }).waitFor();
      const last = page.locator(`.term-row[data-row="${lines - 1}"]`);
      expect(await last.textContent()).toBe(String(lines));
      expect(await last.getAttribute('data-line')).toBe(String(lines));
    } finally {
      await context.close();
    }
  });
});
