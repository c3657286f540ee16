import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type TypedClient, TEST_USERS, typedClient } from '@ogent/server/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsolePage,
  commandInput,
  launchBrowser,
  openConsole,
  shownRows,
  signedIn,
  targetField,
} from './support/browser';
import { type ProbeFixture, createProbe, fleetTargets, probeOutcome } from './support/fleet';
import { traceMainThread } from './support/main-thread';
import { prioritiseBrowser } from './support/priority';
import { TcpProxy } from './support/proxy';
import { type WebStack, startWebStack } from './support/stack';

const HOSTS = 1000;
/** Alice may use every fleet target but the last: `fleet-0*` leaves out fleet-1000. */
const REFUSED = 'fleet-1000';
const RESULTS = new URL('../test-results/', import.meta.url);

let stack: WebStack;
let browser: Browser;
/** Between the browser and the server, to drop the connection in the middle of a run. */
let proxy: TcpProxy;
let probe: ProbeFixture;
let open: ConsolePage[] = [];
/** Chromium processes given precedence for the CPU (none when not root). */
let browserProcesses = 0;

beforeAll(async () => {
  probe = createProbe();
  proxy = await TcpProxy.start(0);
  [stack, browser] = await Promise.all([
    startWebStack({
      sshd: false,
      config: {
        server: { allowedOrigins: [proxy.url] },
        targets: [{ id: 'local', transport: 'local', label: 'Local' }, ...fleetTargets(HOSTS)],
        roles: { operator: { commands: ['*'], targets: ['local', 'fleet-0*'] } },
        commands: { probe: { path: probe.path, description: 'Health of the web service' } },
        runs: { defaultConcurrency: 50, maxConcurrency: 100 },
      },
    }),
    launchBrowser(),
  ]);
  proxy.retarget(stack.server.port);
  mkdirSync(RESULTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await proxy?.close();
  await stack?.stop();
  probe?.remove();
});

afterEach(async () => {
  const errors = open.flatMap((o) => o.errors);
  await Promise.all(open.map((o) => o.context.close()));
  open = [];
  // The only errors a browser may log are those of the connection dropped on purpose.
  expect(
    errors.filter((e) => !/ERR_CONNECTION|WebSocket connection|Failed to load resource/.test(e)),
  ).toEqual([]);
});

async function apiAs(user: keyof typeof TEST_USERS): Promise<TypedClient> {
  let token: string | null = null;
  const client = typedClient(stack.url, () => token);
  const { username, password } = TEST_USERS[user];
  token = (await client.trpc.auth.login.mutate({ username, password })).token;
  return client;
}

async function fleetTab(user: keyof typeof TEST_USERS = 'alice'): Promise<Page> {
  const opened = await openConsole(browser, proxy.url);
  open.push(opened);
  await signedIn(opened.page, user);
  // What is measured is the page's work, not the machine's load (see prioritiseBrowser).
  browserProcesses = prioritiseBrowser();
  return opened.page;
}

/** The count the summary bar shows for a state. */
async function shownCount(page: Page, state: string): Promise<number> {
  const text = await page.getByTestId(`summary-${state}`).textContent();
  return Number((text ?? '').replace(/\D/g, ''));
}

/** The states of the grid's rows from the top, as drawn (the grid draws only what is in view). */
function gridStates(page: Page): Promise<{ target: string; status: string; top: number }[]> {
  return page.locator('.host-row').evaluateAll((rows) =>
    rows
      .map((row) => ({
        target: (row as HTMLElement).dataset.target ?? '',
        status: (row as HTMLElement).dataset.status ?? '',
        top: Number((row as HTMLElement).getAttribute('aria-rowindex')),
      }))
      .sort((a, b) => a.top - b.top),
  );
}

describe('fleet runs in the console', () => {
  it('previews a selector, runs on 1,000 hosts smoothly, and shows the grid, groups, output and diff', async () => {
    probe.reset();
    const page = await fleetTab();
    const api = await apiAs('alice');
    try {
      // Typing in the Target field filters the targets by id, name and labels.
      await targetField(page).fill('Loc');
      const options = page.getByRole('listbox', { name: 'Targets' }).getByRole('option');
      await expect
        .poll(() => options.locator('.target-option__label').allTextContents())
        .toEqual(['Local']);
      await targetField(page).fill('fleet-099');
      await expect
        .poll(() => options.evaluateAll((o) => o.map((e) => (e as HTMLElement).dataset.target)))
        .toEqual(Array.from({ length: 10 }, (_, i) => `fleet-099${i}`));

      // A selector previews what it matches, and per host whether the command is allowed there.
      await targetField(page).fill('role=web');
      await commandInput(page).fill('probe');
      const preview = page.getByRole('region', { name: /Run on/ });
      await expect
        .poll(() => preview.getByTestId('preview-counts').textContent())
        .toMatch(/^1,000 matched · 999 allowed · 1 refused for probe/);
      const refusedRow = preview.locator('.preview-row[data-allowed="false"]');
      expect(await refusedRow.getAttribute('data-target')).toBe(REFUSED);
      expect(await refusedRow.textContent()).toMatch(
        /not on target fleet-1000.*rule roles\.targets/,
      );
      // Virtualised: a thousand matches, a screenful of rows.
      expect(await preview.locator('.preview-row').count()).toBeLessThan(80);
      expect(await page.getByTestId('run-hint').textContent()).toContain(
        'Runs on 1,000 targets: 999 allowed, 1 refused. fleet-1000: Your roles allow `probe`, but not',
      );
      await page.screenshot({ path: fileURLToPath(new URL('fleet-preview.png', RESULTS)) });

      // Start the run and measure the page's main thread while all the hosts report.
      let runId = '';
      const tasks = await traceMainThread(browser, page, async () => {
        await commandInput(page).press('Enter');
        await page.waitForURL(/#\/runs\/[0-9a-f-]{36}$/);
        runId = /#\/runs\/([0-9a-f-]{36})$/.exec(page.url())?.[1] ?? '';
        // Once a tenth have reported, the connection drops: the progress resumes where it was.
        await expect
          .poll(() => shownCount(page, 'succeeded'), { timeout: 60_000 })
          .toBeGreaterThan(100);
        proxy.drop();
        await page
          .getByTestId('run-status')
          .filter({ hasText: 'Failed' })
          .waitFor({ timeout: 240_000 });
      });
      console.log(
        `  ${HOSTS} hosts: ${tasks.longTasks} tasks over 50 ms, longest ${tasks.longestWallMs.toFixed(0)} ms; ` +
          `most CPU in one task ${tasks.longestCpuMs.toFixed(0)} ms (${tasks.longestCpuTaskWallMs.toFixed(0)} ms wall); ` +
          `browser processes prioritised: ${browserProcesses}`,
      );
      // No task of the page's own takes 200 ms. Measured as CPU time: wall time on this shared
      // machine also counts what the server and other jobs run meanwhile (logged above).
      expect(tasks.longestCpuMs).toBeLessThan(200);

      // The counts end right, and agree with the server's.
      const expected = probeOutcome(HOSTS - 1);
      const counts = {
        total: HOSTS,
        pending: 0,
        running: 0,
        succeeded: HOSTS - 1 - expected.failed,
        failed: expected.failed,
        refused: 1,
        cancelled: 0,
        skipped: 0,
      };
      for (const [state, count] of Object.entries(counts)) {
        expect(await shownCount(page, state), state).toBe(count);
      }
      const run = await api.trpc.runs.byId.query({ runId });
      expect(run.summary).toEqual(counts);

      // Failures first, then the refusal, then the rest; a screenful of rows for 1,000 hosts.
      const failed = run.hosts.filter((h) => h.status === 'failed').map((h) => h.target);
      const top = await gridStates(page);
      expect(top.slice(0, failed.length + 1).map((r) => r.status)).toEqual([
        ...failed.map(() => 'failed'),
        'refused',
      ]);
      expect(top.slice(0, failed.length).map((r) => r.target)).toEqual(failed);
      expect(top.length).toBeLessThan(80);
      // Sortable by name, and back; a count in the summary shows only its hosts.
      const grid = page.getByRole('grid', { name: 'Hosts' });
      await grid.getByRole('button', { name: 'Host' }).click();
      await expect.poll(async () => (await gridStates(page))[0]?.target).toBe('fleet-0001');
      await grid.getByRole('button', { name: 'State' }).click();
      await expect.poll(async () => (await gridStates(page))[0]?.target).toBe(failed[0]);
      await page.getByRole('button', { name: /^Failed/ }).click();
      await expect.poll(async () => (await gridStates(page)).map((r) => r.target)).toEqual(failed);
      await page.getByRole('button', { name: /^Failed/ }).click();

      // The groups, largest first, named by their hosts folded.
      const groups = page.getByRole('region', { name: /Results/ });
      await expect
        .poll(() => groups.getByTestId('group-label').allTextContents())
        .toEqual(run.groups.map((g) => g.label));
      expect(await groups.getByTestId('group-size').allTextContents()).toEqual([
        `${counts.succeeded - expected.outdated} hosts`,
        `${expected.failed} hosts`,
        `${expected.outdated} hosts`,
        '1 host',
      ]);
      expect(run.groups[0]?.label).toMatch(/^fleet-\[\d{4}-\d{4},.*\]$/);
      await page.screenshot({ path: fileURLToPath(new URL('fleet-run.png', RESULTS)) });

      // A failed host's own output, from its execution.
      const host = failed[0] ?? '';
      await page.locator(`.host-row[data-target="${host}"] a`).click();
      await page.waitForURL(new RegExp(`#/runs/${runId}/hosts/${host}$`));
      const detail = page.getByRole('region', { name: `Host ${host}` });
      await detail
        .locator('.run[data-phase="ended"] .run__status [data-status="completed"]')
        .waitFor();
      expect(await detail.getByTestId('exit-code').textContent()).toBe('2');
      const rows = await shownRows(page);
      expect(rows.map((r) => r.text)).toContain('disk: /var 97% full');
      expect(rows.filter((r) => r.stderr).map((r) => r.text)).toEqual(['probe: disk check failed']);

      // Compared with the majority: what it printed that the majority did not, and the other way.
      await detail.getByRole('button', { name: 'Compare with majority' }).click();
      const diff = page.getByRole('region', { name: 'Compared with the majority' });
      await diff.waitFor();
      const changed = (kind: string): Promise<string[]> =>
        diff
          .locator(`[data-kind="${kind}"]`)
          .allTextContents()
          .then((lines) => lines.map((l) => l.trimEnd()));
      expect(await changed('removed')).toEqual(['- disk: ok']);
      // The sample holds both streams as they came: the warning on stderr too.
      expect(await changed('added')).toEqual([
        '+ disk: /var 97% full',
        '+ probe: disk check failed',
      ]);
      await page.screenshot({ path: fileURLToPath(new URL('fleet-diff.png', RESULTS)) });

      // Retry the failed hosts: a new run on just those (the counter goes on from 1000).
      await page.getByRole('button', { name: `Retry failed (${expected.failed})` }).click();
      await page.waitForURL(
        (url) => /#\/runs\/[0-9a-f-]{36}$/.test(url.hash) && !url.hash.includes(runId),
      );
      await page
        .getByTestId('run-status')
        .filter({ hasText: /Failed|Succeeded/ })
        .waitFor();
      expect(await shownCount(page, 'total')).toBe(expected.failed);
      expect(await shownCount(page, 'failed')).toBe(1);
      expect(await shownCount(page, 'succeeded')).toBe(expected.failed - 1);

      // The history lists both runs; a past one opens from it after a reload.
      await page.reload();
      const history = page.getByRole('complementary', { name: 'History' });
      await history.getByRole('tab', { name: 'Runs' }).click();
      const items = history.getByRole('list', { name: 'Runs' }).getByRole('listitem');
      await expect.poll(() => items.count()).toBe(2);
      expect(await items.nth(1).textContent()).toContain(
        `${counts.succeeded} succeeded · ${counts.failed} failed · 1 refused`,
      );
      await items.nth(1).getByRole('link').click();
      await page.waitForURL(new RegExp(`#/runs/${runId}$`));
      await page.getByTestId('run-status').filter({ hasText: 'Failed' }).waitFor();
      await expect.poll(() => shownCount(page, 'succeeded')).toBe(counts.succeeded);
    } finally {
      await api.close();
    }
  });

  it('cancels a run: running hosts are cancelled, the rest skipped', async () => {
    const page = await fleetTab();
    await targetField(page).fill('zone=z1,env=prod');
    await commandInput(page).fill('sleep 30');
    await expect
      .poll(() => page.getByTestId('preview-counts').textContent())
      .toMatch(/^250 matched · 250 allowed/);
    await commandInput(page).press('Enter');
    await page.waitForURL(/#\/runs\/[0-9a-f-]{36}$/);
    await expect.poll(() => shownCount(page, 'running')).toBe(50);
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await page.getByTestId('run-status').filter({ hasText: 'Cancelled' }).waitFor();
    expect(await shownCount(page, 'cancelled')).toBe(50);
    expect(await shownCount(page, 'skipped')).toBe(200);
    expect(await shownCount(page, 'running')).toBe(0);
  });
});
