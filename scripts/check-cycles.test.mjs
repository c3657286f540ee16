// The cycle check on tiny source trees written for each case: it must fail on a cycle between
// folders that no two files form, on a cycle between files, and pass a tree layered one way.
//
//   node --test scripts/check-cycles.test.mjs
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cyclicGroups, folderGraph } from './check-cycles.mjs';

const SCRIPT = fileURLToPath(new URL('./check-cycles.mjs', import.meta.url));
const roots = [];

/** Writes files (path -> source) under a fresh src/ and returns its path. */
async function tree(files) {
  const root = await mkdtemp(path.join(tmpdir(), 'check-cycles-'));
  roots.push(root);
  const src = path.join(root, 'src');
  for (const [file, source] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(src, file)), { recursive: true });
    await writeFile(path.join(src, file), source);
  }
  return src;
}

function check(src) {
  return new Promise((resolve) => {
    execFile(process.execPath, [SCRIPT, src], (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : error.code, stdout, stderr });
    });
  });
}

after(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

describe('check-cycles', () => {
  it('fails on folders that import each other through different files', async () => {
    const src = await tree({
      'main.ts': "import { a } from './ui/a';\nexport const main = a;\n",
      'ui/a.ts': "import { b } from '../model/b';\nexport const a = b;\n",
      'ui/c.ts': 'export const c = 1;\n',
      'model/b.ts': "import { c } from '../ui/c';\nexport const b = c;\n",
    });
    const { code, stderr } = await check(src);
    assert.equal(code, 1);
    assert.match(stderr, /folder cycle among model, ui/);
    assert.match(stderr, /model -> ui {3}\(model\/b\.ts -> ui\/c\.ts\)/);
    assert.doesNotMatch(stderr, /file cycle/);
  });

  it('fails on files that import each other', async () => {
    const src = await tree({
      'ui/a.ts': "import { b } from './b';\nexport const a = (): number => b;\n",
      'ui/b.ts': "import { a } from './a';\nexport const b = typeof a === 'function' ? 1 : 0;\n",
    });
    const { code, stderr } = await check(src);
    assert.equal(code, 1);
    assert.match(stderr, /file cycle: ui\/a\.ts -> ui\/b\.ts -> ui\/a\.ts/);
  });

  it('passes a tree whose folders import one way', async () => {
    const src = await tree({
      'main.ts': "import { a } from './ui/a';\nexport const main = a;\n",
      'ui/a.ts': "import { b } from '../model/b';\nexport const a = b;\n",
      'model/b.ts': "import { c } from '../shared/c';\nexport const b = c;\n",
      'shared/c.ts': 'export const c = 1;\n',
    });
    const { code, stdout } = await check(src);
    assert.equal(code, 0);
    assert.match(stdout, /no import cycle .* \(4 files\)/);
  });

  it('groups every folder of a longer loop once', () => {
    const graph = folderGraph({
      'a/1.ts': ['b/1.ts'],
      'b/1.ts': ['c/1.ts'],
      'c/1.ts': ['a/2.ts'],
      'a/2.ts': [],
      'd/1.ts': ['a/1.ts'],
    });
    assert.deepEqual(cyclicGroups(graph), [['a', 'b', 'c']]);
  });
});
