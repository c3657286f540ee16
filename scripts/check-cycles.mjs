#!/usr/bin/env node
// Fails when a source tree has an import cycle, between files or between its top-level folders.
//
//   node scripts/check-cycles.mjs <srcDir> [--ts-config <tsconfig.json>] [--exclude <regexp>]
//
// Tests count by default (a test is code that imports too); --exclude leaves out files whose path
// matches, e.g. `--exclude '\.test\.ts$'` for a package whose tests sit above its layers.
// ESLint's no-cycle rule sees files only. Folders are the features (session, output, runs...):
// if `runs` imports `execution` and anything in `execution` imports `runs`, the layers have
// melted even when no two files form a loop, so the folders are checked as a graph of their own.
// A file directly in <srcDir> (an entry point such as main.tsx) is a unit of its own.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import madge from 'madge';

/** The unit a file belongs to: its first folder under the source root, or the file itself. */
export function folderOf(file) {
  const slash = file.indexOf('/');
  return slash === -1 ? file : file.slice(0, slash);
}

/**
 * Collapses a file graph (file -> files it imports, paths relative to the source root) into a
 * folder graph: folder -> folder -> one example import that makes the edge, for the message.
 */
export function folderGraph(files) {
  const graph = new Map();
  for (const [from, targets] of Object.entries(files)) {
    const source = folderOf(from);
    if (!graph.has(source)) graph.set(source, new Map());
    for (const to of targets) {
      const target = folderOf(to);
      if (target === source) continue;
      const edges = graph.get(source);
      if (!edges.has(target)) edges.set(target, `${from} -> ${to}`);
    }
  }
  return graph;
}

/**
 * The strongly connected components with more than one member (Tarjan): every group of folders
 * that reach each other. Each is sorted, and the list too, so the message is stable.
 */
export function cyclicGroups(graph) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const groups = [];
  let next = 0;
  const visit = (node) => {
    index.set(node, next);
    low.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node)?.keys() ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node), low.get(target)));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node), index.get(target)));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const group = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      group.push(member);
    } while (member !== node);
    if (group.length > 1) groups.push(group.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return groups.sort((a, b) => a[0].localeCompare(b[0]));
}

/** Describes the folder cycles and file cycles found, one problem per paragraph; empty if none. */
export function describeCycles(files, fileCycles) {
  const problems = fileCycles.map((cycle) => `file cycle: ${[...cycle, cycle[0]].join(' -> ')}`);
  const graph = folderGraph(files);
  for (const group of cyclicGroups(graph)) {
    const members = new Set(group);
    const edges = [];
    for (const source of group) {
      for (const [target, example] of graph.get(source) ?? []) {
        if (members.has(target)) edges.push(`  ${source} -> ${target}   (${example})`);
      }
    }
    problems.push(`folder cycle among ${group.join(', ')}:\n${edges.join('\n')}`);
  }
  return problems;
}

const USAGE = 'usage: check-cycles.mjs <srcDir> [--ts-config <tsconfig.json>] [--exclude <regexp>]';

/** Takes `--name value` out of args; undefined when absent. */
function takeOption(args, name) {
  const at = args.indexOf(name);
  if (at === -1) return undefined;
  const value = args[at + 1];
  if (value === undefined || value === '') throw new Error(USAGE);
  args.splice(at, 2);
  return value;
}

function parseArgs(argv) {
  const args = [...argv];
  const tsConfig = takeOption(args, '--ts-config');
  const exclude = takeOption(args, '--exclude');
  if (args.length !== 1) throw new Error(USAGE);
  const srcDir = path.resolve(args[0]);
  const besideSrc = path.join(path.dirname(srcDir), 'tsconfig.json');
  return {
    srcDir,
    tsConfig: tsConfig ?? (existsSync(besideSrc) ? besideSrc : undefined),
    excludeRegExp: exclude === undefined ? [] : [new RegExp(exclude)],
  };
}

async function main() {
  const { srcDir, tsConfig, excludeRegExp } = parseArgs(process.argv.slice(2));
  const result = await madge(srcDir, {
    fileExtensions: ['ts', 'tsx', 'js', 'mjs'],
    excludeRegExp,
    ...(tsConfig === undefined ? {} : { tsConfig }),
  });
  const files = result.obj();
  if (Object.keys(files).length === 0) throw new Error(`no source files found in ${srcDir}`);
  const problems = describeCycles(files, result.circular());
  const where = path.relative(process.cwd(), srcDir) || '.';
  if (problems.length === 0) {
    console.log(`check-cycles: no import cycle in ${where} (${Object.keys(files).length} files)`);
    return;
  }
  console.error(`check-cycles: ${problems.length} import cycle(s) in ${where}\n`);
  console.error(problems.join('\n\n'));
  process.exitCode = 1;
}

if (
  process.argv[1] !== undefined &&
  path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)
) {
  main().catch((error) => {
    console.error(`check-cycles: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  });
}
