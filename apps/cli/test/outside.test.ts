import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { TEST_USERS } from '@ogent/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliStack, freshHome, startCliStack, tokenFor } from './helpers.js';

// The packages as someone outside this repository gets them: packed with `npm pack`, installed
// in a project of its own (in the system's temporary directory, far from the workspace), with
// their dependencies from the npm registry.

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

let cli: CliStack;
let dir: string;
let tarballs: Record<string, { filename: string; files: { path: string }[] }>;

beforeAll(async () => {
  cli = await startCliStack();
  dir = mkdtempSync(path.join(os.tmpdir(), 'ogent-outside-'));
  const { stdout } = await run(
    'npm',
    ['pack', '-w', '@ogent/client', '-w', '@ogent/cli', '--pack-destination', dir, '--json'],
    { cwd: repoRoot },
  );
  const packed = JSON.parse(stdout) as {
    name: string;
    filename: string;
    files: { path: string }[];
  }[];
  tarballs = Object.fromEntries(packed.map((p) => [p.name, p]));
}, 120_000);

afterAll(async () => {
  await cli?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const PROGRAM = `import { type ExecutionEnd, type OutputChunk, createOgentClient } from '@ogent/client';

const url = process.env.OGENT_URL ?? '';
const anonymous = createOgentClient({ url });
const { token } = await anonymous.trpc.auth.login.mutate({
  username: process.env.OGENT_USER ?? '',
  password: process.env.OGENT_PASSWORD ?? '',
});
await anonymous.close();

const ogent = createOgentClient({ url, token });
const targets = await ogent.trpc.targets.list.query();
const execution = ogent.run('web-1', ['mixed']);
const out: Record<OutputChunk['stream'], number[]> = { stdout: [], stderr: [] };
for await (const { stream, data } of execution) {
  const bytes: Uint8Array = data;
  // @ts-expect-error output is bytes, never text
  const text: string = data;
  void text;
  out[stream].push(...bytes);
}
const end: ExecutionEnd = await execution.result();
const executionId = await execution.id;
const again = await ogent.follow(executionId).result();
const record = await ogent.trpc.exec.byId.query({ executionId });
let refused = '';
try {
  await ogent.run('web-1', 'ls; id').result();
} catch (error) {
  refused = (error as { data?: { refusal?: { rule: string } } }).data?.refusal?.rule ?? 'none';
}
await ogent.close();
console.log(JSON.stringify({
  targets: targets.map((t) => t.id),
  stdout: out.stdout,
  stderr: out.stderr,
  end: { status: end.status, exitCode: end.exitCode },
  again: again.status,
  input: record.input,
  refused,
}));
`;

describe('@ogent/client from a tarball, in a project outside the workspace', () => {
  it('holds built JavaScript and declarations only, and depends on npm packages only', () => {
    const client = tarballs['@ogent/client'];
    expect(client).toBeDefined();
    const files = client?.files.map((f) => f.path) ?? [];
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    expect(files).toContain('dist/router.d.ts');
    expect(files.filter((f) => !f.startsWith('dist/') && f !== 'package.json')).toEqual([]);
  });

  it('installs, type-checks (strict, every declaration file) and runs a program against a real server', async () => {
    const project = path.join(dir, 'project');
    const client = tarballs['@ogent/client'];
    if (client === undefined) throw new Error('not packed');
    mkdirSync(path.join(project, 'src'), { recursive: true });
    writeFileSync(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'outside', private: true, type: 'module' }),
    );
    writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          types: ['node'],
          outDir: 'dist',
          skipLibCheck: false,
        },
        include: ['src'],
      }),
    );
    writeFileSync(path.join(project, 'src', 'main.ts'), PROGRAM);
    await run(
      'npm',
      [
        'install',
        '--no-fund',
        '--no-audit',
        path.join(dir, client.filename),
        'typescript@5.9.3',
        '@types/node@20',
      ],
      { cwd: project },
    );
    const { dependencies } = JSON.parse(
      readFileSync(path.join(project, 'node_modules/@ogent/client/package.json'), 'utf8'),
    ) as { dependencies: Record<string, string> };
    expect(Object.keys(dependencies).filter((name) => name.startsWith('@ogent/'))).toEqual([]);

    const tsc = path.join(project, 'node_modules/.bin/tsc');
    // Every declaration file checked, ours included. The only complaint allowed is tRPC's own:
    // @trpc/client's types reach @trpc/server's WebSocket adapter, which names the `ws`
    // package's types (a project using tRPC's WebSocket link without skipLibCheck meets it too).
    const strict = await run(tsc, ['-p', project, '--noEmit'], { cwd: project }).then(
      () => '',
      (error: { stdout: string }) => error.stdout,
    );
    const complaints = strict.split('\n').filter((line) => /^\S.*error TS/.test(line));
    expect(
      complaints.filter((line) => !line.startsWith('node_modules/@trpc/server/dist/adapters/ws.')),
    ).toEqual([]);
    await run(tsc, ['-p', project, '--skipLibCheck'], { cwd: project });
    const { username, password } = TEST_USERS.alice;
    const { stdout } = await run(process.execPath, [path.join(project, 'dist/main.js')], {
      cwd: project,
      env: { ...process.env, OGENT_URL: cli.url, OGENT_USER: username, OGENT_PASSWORD: password },
    });
    const result = JSON.parse(stdout) as {
      targets: string[];
      stdout: number[];
      stderr: number[];
      end: { status: string; exitCode: number };
      again: string;
      input: string;
      refused: string;
    };
    expect(result.targets).toContain('web-1');
    expect(Buffer.from(result.stdout).toString()).toBe('plain\ncaf\u00e9\n');
    expect(Buffer.from(result.stderr)).toEqual(
      Buffer.concat([Buffer.from([0xff, 0xfe, 0x00]), Buffer.from('bin\nerr 2\n')]),
    );
    expect(result.end).toEqual({ status: 'completed', exitCode: 0 });
    expect(result.again).toBe('completed');
    expect(result.input).toBe('mixed');
    expect(result.refused).toBe('input.syntax');
  }, 300_000);
});

describe('ogent from a tarball, installed globally', () => {
  it('installs with its dependencies from npm and runs a command', async () => {
    const tarball = tarballs['@ogent/cli'];
    if (tarball === undefined) throw new Error('not packed');
    const prefix = path.join(dir, 'global');
    await run('npm', [
      'install',
      '--global',
      '--no-fund',
      '--no-audit',
      '--prefix',
      prefix,
      path.join(dir, tarball.filename),
    ]);
    const home = freshHome();
    const { env } = home;
    try {
      const bin = path.join(prefix, 'bin', 'ogent');
      const token = await tokenFor(cli.url, 'alice');
      const version = await run(bin, ['--version'], { env });
      expect(version.stdout).toBe('0.1.0\n');
      const status = await run(bin, ['run', '-t', 'web-1', '--', 'exitwith', '6'], {
        env: { ...env, OGENT_URL: cli.url, OGENT_TOKEN: token },
      }).then(
        () => 0,
        (error: { code?: number }) => error.code,
      );
      expect(status).toBe(6);
    } finally {
      home.remove();
    }
  }, 300_000);
});
