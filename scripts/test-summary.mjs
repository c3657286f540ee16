// Totals the JSON reports every package's vitest run leaves, and prints one closing line:
// "tests: N passed, N failed". Exits 1 when a package that has tests left no report.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

let passed = 0;
let failed = 0;
let skipped = 0;
let missing = 0;
for (const group of ['apps', 'packages']) {
  for (const name of readdirSync(group)) {
    const dir = path.join(group, name);
    if (!existsSync(path.join(dir, 'vitest.config.ts'))) continue;
    const report = path.join(dir, 'test-results', 'vitest.json');
    if (!existsSync(report)) {
      console.error(`no test report from ${dir}`);
      missing += 1;
      continue;
    }
    const { numPassedTests, numFailedTests, numPendingTests, numTodoTests } = JSON.parse(
      readFileSync(report, 'utf8'),
    );
    passed += numPassedTests;
    failed += numFailedTests;
    skipped += numPendingTests + numTodoTests;
  }
}
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(missing > 0 || failed > 0 ? 1 : 0);
