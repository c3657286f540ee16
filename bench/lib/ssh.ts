import { spawn } from 'node:child_process';
import { closeSync, openSync, rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import type { SshdFixture } from '@ogent/executor/testing';

/** Runs the OpenSSH client once; resolves with the wall time in ms. Output goes to /dev/null. */
export function timeSsh(args: readonly string[]): Promise<number> {
  const devNull = openSync('/dev/null', 'w');
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', args, { stdio: ['ignore', devNull, 'pipe'] });
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      stderr += text;
    });
    child.once('exit', (code) => {
      closeSync(devNull);
      if (code === 0) resolve(performance.now() - started);
      else reject(new Error(`ssh exited ${code}: ${stderr}`));
    });
  });
}

/**
 * The same work as the product, done by OpenSSH and coreutils: receive the output, keep every
 * byte (`tee FILE`) and forward it to a reader (`cat > /dev/null`). Resolves with the wall time
 * in ms; the file is removed after.
 */
export function timeSshTee(args: readonly string[], file: string): Promise<number> {
  const devNull = openSync('/dev/null', 'w');
  const started = performance.now();
  const ssh = spawn('ssh', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const tee = spawn('tee', [file], { stdio: [ssh.stdout, 'pipe', 'inherit'] });
  const cat = spawn('cat', [], { stdio: [tee.stdout, devNull, 'inherit'] });
  const exited = (child: ReturnType<typeof spawn>, name: string): Promise<void> =>
    new Promise((resolve, reject) => {
      child.once('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`${name} exited ${code}`)),
      );
    });
  let stderr = '';
  ssh.stderr?.setEncoding('utf8');
  ssh.stderr?.on('data', (text: string) => {
    stderr += text;
  });
  return Promise.all([
    exited(ssh, 'ssh').catch((error: unknown) => {
      throw new Error(`${(error as Error).message}: ${stderr}`);
    }),
    exited(tee, 'tee'),
    exited(cat, 'cat'),
  ])
    .then(() => performance.now() - started)
    .finally(() => {
      closeSync(devNull);
      rmSync(file, { force: true });
    });
}

/** `ssh` with a fresh connection each time (the client's defaults). */
export function freshArgs(
  sshd: SshdFixture,
  command: string,
  extra: readonly string[] = [],
): string[] {
  return [...extra, ...sshd.sshArgs(), command];
}

/**
 * A ControlMaster connection kept open, so each `ssh` reuses it (`ControlPath`): the fastest
 * way the OpenSSH client runs a command.
 */
export async function controlMaster(
  sshd: SshdFixture,
): Promise<{ args: (command: string) => string[]; stop: () => Promise<void> }> {
  const socket = path.join(sshd.dir, 'cm.sock');
  const base = ['-o', `ControlPath=${socket}`];
  await timeSsh([
    ...base,
    '-o',
    'ControlMaster=yes',
    '-o',
    'ControlPersist=yes',
    '-f',
    '-N',
    ...sshd.sshArgs(),
  ]);
  return {
    args: (command) => [...base, '-o', 'ControlMaster=no', ...sshd.sshArgs(), command],
    stop: async () => {
      await timeSsh([...base, '-O', 'exit', ...sshd.sshArgs()]).catch(() => 0);
    },
  };
}
