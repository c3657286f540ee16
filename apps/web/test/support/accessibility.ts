import { createRequire } from 'node:module';
import type { AxeResults, ImpactValue } from 'axe-core';
import type { Page } from 'playwright-core';

/** axe-core's browser bundle, injected into the page under test (it never runs in Node). */
const AXE_SOURCE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** The impacts a screen must not have: everything but `minor`. */
const BLOCKING: readonly ImpactValue[] = ['critical', 'serious', 'moderate'];

export interface AxeViolation {
  readonly rule: string;
  readonly impact: ImpactValue | undefined;
  readonly help: string;
  /** Where, as CSS selectors, with axe's summary of what is wrong there. */
  readonly nodes: readonly string[];
}

/**
 * Runs axe-core (WCAG 2.x A and AA, and axe's best practices) on the page as it is now, and
 * returns the violations of critical, serious or moderate impact, in a form that reads well in a
 * failed assertion.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) {
    await page.addScriptTag({ path: AXE_SOURCE });
  }
  const results = await page.evaluate(() =>
    (window as unknown as { axe: { run: (options: object) => Promise<AxeResults> } }).axe.run({
      runOnly: {
        type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'],
      },
      resultTypes: ['violations'],
    }),
  );
  return results.violations
    .filter((violation) => BLOCKING.includes(violation.impact ?? null))
    .map((violation) => ({
      rule: violation.id,
      impact: violation.impact,
      help: violation.help,
      nodes: violation.nodes.map(
        (node) => `${node.target.join(' ')}: ${node.failureSummary ?? ''}`,
      ),
    }));
}

/** An sRGB colour as getComputedStyle gives it: `rgb(r, g, b)` or `rgba(r, g, b, a)`. */
function channels(css: string): [number, number, number, number] {
  const match = /^rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)$/.exec(css.trim());
  if (match === null) throw new Error(`not an sRGB colour: ${css}`);
  const [, r, g, b, a] = match;
  return [Number(r), Number(g), Number(b), a === undefined ? 1 : Number(a)];
}

function luminance([r, g, b]: readonly number[]): number {
  const linear = (c: number): number => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(r ?? 0) + 0.7152 * linear(g ?? 0) + 0.0722 * linear(b ?? 0);
}

/**
 * WCAG 2's contrast ratio of a text colour on an opaque background, both as computed CSS
 * colours (1 to 21; body text needs 4.5).
 */
export function contrastRatio(foreground: string, background: string): number {
  const fg = channels(foreground);
  const bg = channels(background);
  if (bg[3] !== 1) throw new Error(`the background is not opaque: ${background}`);
  // A translucent text colour is drawn over the background: blend it first.
  const blended = fg.slice(0, 3).map((c, i) => c * fg[3] + (bg[i] ?? 0) * (1 - fg[3]));
  const [light, dark] = [luminance(blended), luminance(bg)].sort((a, b) => b - a);
  return ((light ?? 0) + 0.05) / ((dark ?? 0) + 0.05);
}
