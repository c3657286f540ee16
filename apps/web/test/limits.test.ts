import type { TestStack } from '@ogent/server/testing';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsolePage,
  emitOutput,
  launchBrowser,
  openConsole,
  runCommand,
  shownRows,
  signedIn,
  splitRows,
  waitForStatus,
} from './support/browser';
import { TcpProxy } from './support/proxy';
import { type WebStack, startWebStack } from './support/stack';

let stack: WebStack;
let restarted: TestStack | undefined;
let proxy: TcpProxy;
let browser: Browser;
let open: ConsolePage | undefined;

beforeAll(async () => {
  // The browser's origin is the proxy's, which the server must allow: the proxy comes first and
  // is pointed at the server once that has its port.
  proxy = await TcpProxy.start(0);
  // Tight limits, so commands run into them quickly.
  [stack, browser] = await Promise.all([
    startWebStack({
      sshd: false,
      config: {
        server: { allowedOrigins: [proxy.url] },
        limits: { timeoutMs: 3_000, maxOutputBytes: 200_000 },
      },
    }),
    launchBrowser(),
  ]);
  proxy.retarget(stack.server.port);
});

afterAll(async () => {
  await browser?.close();
  await proxy?.close();
  await restarted?.stop();
  await stack?.stop();
});

afterEach(async () => {
  await open?.context.close();
  open = undefined;
});

async function console_(): Promise<ConsolePage> {
  open = await openConsole(browser, proxy.url);
  await signedIn(open.page, 'alice');
  return open;
}

describe('how a run can end', () => {
  it('shows a command stopped at the time limit as timed out', async () => {
    const { page } = await console_();
    await runCommand(page, 'sleep 30');
    await waitForStatus(page, 'running');
    await waitForStatus(page, 'timed_out', 15_000);
    expect(await page.locator('.run__status').textContent()).toContain('Timed out');
  });

  it('shows output cut at the cap as truncated', async () => {
    const { page } = await console_();
    await runCommand(page, 'seq 1 1000000');
    await waitForStatus(page, 'truncated', 15_000);
    const rows = await page.locator('.terminal__scroller').getAttribute('data-rows');
    // 200 kB of `seq` is about 36,000 lines, in order from 1.
    expect(Number(rows)).toBeGreaterThan(30_000);
    expect(Number(rows)).toBeLessThan(40_000);
    expect(await page.locator('.term-row[data-row="0"]').count()).toBe(0); // followed to the end
    expect(await page.locator('.run__status').textContent()).toContain('Truncated');
  });

  it('shows a run as interrupted when the server restarts under it, and keeps its output', async () => {
    const { page } = await console_();
    await runCommand(page, 'emit 25 1');
    const scroller = page.locator('.terminal__scroller');
    await expect
      .poll(async () => Number(await scroller.getAttribute('data-rows')))
      .toBeGreaterThan(5);
    // The server stops (marking the run interrupted) and comes back on a new port; the
    // browser reconnects through the proxy with the same token.
    restarted = await stack.restart();
    proxy.retarget(restarted.server.port);
    await waitForStatus(page, 'interrupted', 20_000);
    const shown = splitRows(await shownRows(page));
    const all = emitOutput(25);
    expect(shown.stdout.length).toBeGreaterThan(5);
    expect(shown.stdout).toEqual(all.stdout.slice(0, shown.stdout.length));
    expect(shown.stderr).toEqual(all.stderr.slice(0, shown.stderr.length));
  });
});
