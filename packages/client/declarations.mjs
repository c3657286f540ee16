// Writes the package's type declarations (dist/*.d.ts) so that a project outside this repository
// can use them: they may name npm packages (@trpc/*) and nothing of the workspace.
//
// Every file's declarations come from the TypeScript compiler as usual, except the router's: the
// server's AppRouter type names the server's modules (its context, its domain types), which are
// not published. dist/router.d.ts holds that type written out in full instead: the compiler
// prints the type of a value inferred as ForClients<AppRouter> (src/for-clients.ts turns each
// interface into the object type it describes), and the few aliases it still prints by name
// (unions of string literals, such as ExecutionState) are printed again as their members.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const here = path.dirname(fileURLToPath(import.meta.url));
const src = path.join(here, 'src');
const dist = path.join(here, 'dist');
const generator = path.join(src, '__router.generated.ts');
/** The contract's one copy, bundled in; src/contract.ts re-exports it. */
const contract = fileURLToPath(import.meta.resolve('@ogent/api/contract'));
const fixups = path.join(src, '__fixups.generated.ts');

const GENERATOR_SOURCE = `import type { AppRouter as ServerRouter } from '@ogent/api';
import type { ForClients } from './for-clients.js';
declare function forClients<R>(): ForClients<R>;
export const appRouter = forClients<ServerRouter>();
`;

/** Module specifiers the published declarations may name. */
const isPublished = (specifier) => specifier === '@trpc/server' || specifier.startsWith('@trpc/');

const formatHost = {
  getCanonicalFileName: (f) => f,
  getCurrentDirectory: () => here,
  getNewLine: () => '\n',
};

function compilerOptions() {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(here, 'tsconfig.json'), undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.formatDiagnostic(d, formatHost));
    },
  });
  if (config === undefined) throw new Error('cannot read tsconfig.json');
  return {
    ...config.options,
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
    declarationMap: false,
    stripInternal: true,
    outDir: dist,
    rootDir: src,
  };
}

/** A program over the client's sources plus in-memory files. */
function createProgram(options, roots, virtualFiles) {
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.getSourceFile = (file, language, onError, create) => {
    const text = virtualFiles.get(file);
    return text === undefined
      ? getSourceFile(file, language, onError, create)
      : ts.createSourceFile(file, text, language, true);
  };
  host.fileExists = (file) => virtualFiles.has(file) || fileExists(file);
  return ts.createProgram([...roots, ...virtualFiles.keys()], options, host);
}

function fail(message, diagnostics = []) {
  throw new Error(`${message}\n${ts.formatDiagnostics(diagnostics, formatHost)}`);
}

/** Emits one file's declarations and returns them. */
function emitOne(program, sourceFile) {
  let text;
  const result = program.emit(
    sourceFile,
    (_name, data) => {
      text = data;
    },
    undefined,
    true,
  );
  if (result.emitSkipped || text === undefined) {
    fail(`no declarations for ${sourceFile.fileName}`, result.diagnostics);
  }
  return text;
}

/** Type nodes that name something outside the published packages, outermost first. */
function foreignTypeNodes(typeText) {
  const file = ts.createSourceFile('x.d.ts', `type T = ${typeText};`, ts.ScriptTarget.Latest, true);
  const found = new Map();
  const visit = (node) => {
    if (ts.isImportTypeNode(node)) {
      const literal = ts.isLiteralTypeNode(node.argument) ? node.argument.literal : undefined;
      if (literal === undefined || !ts.isStringLiteral(literal) || !isPublished(literal.text)) {
        // Widen to the whole type expression it names: `Exclude<import(..).X, "a">`,
        // `import(..).T["key"]`.
        let top = node;
        while (
          top.parent !== undefined &&
          ((ts.isIndexedAccessTypeNode(top.parent) && top.parent.objectType === top) ||
            (ts.isTypeReferenceNode(top.parent) && ts.isIdentifier(top.parent.typeName)))
        ) {
          top = top.parent;
        }
        found.set(top.getStart(file), top);
        return;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  const offset = 'type T = '.length;
  return [...found.values()]
    .filter(
      (node, _i, all) => !all.some((o) => o !== node && o.pos <= node.pos && node.end <= o.end),
    )
    .map((node) => ({
      start: node.getStart(file) - offset,
      end: node.end - offset,
      text: node.getText(file),
      // A union put in place of `X` in `X[]` or `readonly X` needs parentheses.
      parenthesize:
        !ts.isUnionTypeNode(node.parent) &&
        !ts.isTypeAliasDeclaration(node.parent) &&
        !ts.isPropertySignature(node.parent) &&
        !ts.isTypeLiteralNode(node.parent),
    }));
}

/** Replaces each foreign type expression by its members, as the compiler prints them. */
function spellOut(options, typeText) {
  for (let round = 0; round < 5; round += 1) {
    const nodes = foreignTypeNodes(typeText);
    if (nodes.length === 0) return typeText;
    // The compiler may name a workspace module by its absolute path, without an extension.
    const resolvable = (text) =>
      text.replace(/import\("(\/[^"]+?)(?<!\.js)"\)/g, (_all, file) => `import("${file}.js")`);
    const source = nodes.map((n, i) => `export type Fixup${i} = ${resolvable(n.text)};`).join('\n');
    const program = createProgram(options, [], new Map([[fixups, source]]));
    const file = program.getSourceFile(fixups);
    const diagnostics = ts.getPreEmitDiagnostics(program, file);
    if (diagnostics.length > 0) fail('cannot resolve the router type', diagnostics);
    const checker = program.getTypeChecker();
    const flags = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.InTypeAlias;
    // A union is printed member by member: printed whole, it would keep the aliases it was made
    // of (`ExecutionStatus | "running"`).
    const printed = file.statements.map((statement) => {
      const type = checker.getTypeAtLocation(statement.name);
      const members = type.isUnion() ? type.types : [type];
      return members.map((member) => checker.typeToString(member, statement, flags));
    });
    for (let i = nodes.length - 1; i >= 0; i -= 1) {
      const node = nodes[i];
      const members = printed[i];
      const text =
        node.parenthesize && members.length > 1 ? `(${members.join(' | ')})` : members.join(' | ');
      typeText = `${typeText.slice(0, node.start)}${text}${typeText.slice(node.end)}`;
    }
  }
  fail(`the router type still names unpublished modules:\n${typeText}`);
}

function routerDeclarations(program, fileOptions) {
  // The fix-ups program's files are not written anywhere: no rootDir to keep to.
  const options = { ...fileOptions, rootDir: undefined, outDir: undefined };
  const file = program.getSourceFile(generator);
  const diagnostics = ts.getPreEmitDiagnostics(program, file);
  if (diagnostics.length > 0) fail('the router type does not check', diagnostics);
  const emitted = ts.createSourceFile(
    'router.d.ts',
    emitOne(program, file),
    ts.ScriptTarget.Latest,
  );
  const statement = emitted.statements.find(ts.isVariableStatement);
  const typeNode = statement?.declarationList.declarations[0]?.type;
  if (typeNode === undefined) fail('no type for the router');
  const typeText = spellOut(options, typeNode.getText(emitted));
  return `// Generated by build.mjs from the server's router: every procedure, its input and output.
declare const appRouter: ${typeText};
/**
 * The Ogent API's type: every procedure with its input and output, for \`createTRPCClient\` or
 * \`createTRPCReact\`.
 */
export type AppRouter = typeof appRouter;
export {};
`;
}

/**
 * The contract's declarations, in place of src/contract.ts's re-export of a workspace module: the
 * contract module names no other module and spells out its exported types, so it transpiles to
 * declarations on its own.
 */
function contractDeclarations() {
  const result = ts.transpileDeclaration(readFileSync(contract, 'utf8'), {
    fileName: contract,
    reportDiagnostics: true,
    compilerOptions: { isolatedDeclarations: true, stripInternal: true },
  });
  if (result.diagnostics !== undefined && result.diagnostics.length > 0) {
    fail('the contract does not transpile to declarations alone', result.diagnostics);
  }
  return `// Generated by build.mjs from @ogent/api/contract: the contract's constants and types.\n${result.outputText}`;
}

/** Writes dist/*.d.ts; throws when any of them names a module that is not published. */
export function writeDeclarations() {
  const options = compilerOptions();
  const roots = readdirSync(src)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.test-d.ts'))
    .map((f) => path.join(src, f));
  const program = createProgram(options, roots, new Map([[generator, GENERATOR_SOURCE]]));
  const diagnostics = roots.flatMap((root) =>
    ts.getPreEmitDiagnostics(program, program.getSourceFile(root)),
  );
  if (diagnostics.length > 0) fail('the client does not type-check', diagnostics);
  for (const root of roots) {
    const name = path.basename(root, '.ts');
    const text =
      name === 'router'
        ? routerDeclarations(program, options)
        : name === 'contract'
          ? contractDeclarations()
          : emitOne(program, program.getSourceFile(root));
    for (const match of text.matchAll(/(?:from |import\()['"]([^'"]+)['"]/g)) {
      const specifier = match[1];
      if (!specifier.startsWith('./') && !isPublished(specifier)) {
        throw new Error(`dist/${name}.d.ts names ${specifier}, which is not published`);
      }
    }
    writeFileSync(path.join(dist, `${name}.d.ts`), text);
  }
}
