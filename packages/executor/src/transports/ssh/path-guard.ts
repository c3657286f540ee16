import { randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import type { PathOperand, PathRefusalKind } from '../../path-operands.js';
import { quoteArg } from '../../quote.js';

/** Exit status of the guard when it refuses (126: "found but not run", as shells use it). */
export const GUARD_REFUSED_STATUS = 126;

const MARKER = 'OGENT-PATH-REFUSED';
/** Longest refusal line the guard writes; anything longer is not one. */
const MAX_LINE = 128;

/** A path operand's refusal, as the guard on the target reported it. */
export interface GuardRefusal {
  /** Index into the `paths` list given to {@link guardedCommandLine}. */
  readonly path: number;
  readonly kind: PathRefusalKind;
}

/** A token the guard prints with its refusal, so that the program's own output cannot pass for one. */
export function guardNonce(): string {
  return randomBytes(12).toString('base64url');
}

/** `case` patterns matching a resolved path at or below one of the prefixes. */
function casePatterns(prefixes: readonly string[]): string {
  return prefixes
    .map((prefix) => {
      const base = prefix.replace(/\/+$/, '');
      return base === '' ? '/*' : `${quoteArg(base)}|${quoteArg(`${base}/`)}*`;
    })
    .join('|');
}

/**
 * The command line for the target's shell when argv names limited paths. In the same shell
 * invocation as the program, each path is resolved with `realpath -e` (symbolic links followed,
 * `..` applied, the file must exist) and compared with its prefixes; the program is run only if
 * every one is inside, and it gets the resolved paths. Otherwise the shell writes one line to
 * stderr (marker, nonce, which path, why) and exits 126 without running anything.
 *
 * Every piece of user input is single-quoted; the only unquoted words are our own. The script is
 * POSIX sh, as bash and dash (the login shells it targets) read it. The value of `$(...)` ends
 * with an `x` that is then removed, so a resolved path ending in a newline survives intact.
 */
export function guardedCommandLine(
  argv: readonly string[],
  paths: readonly PathOperand[],
  nonce: string,
): string {
  const refuse = (path: number, kind: PathRefusalKind): string =>
    `{ printf '%s\\n' '${MARKER} ${nonce} ${path} ${kind}' >&2; exit ${GUARD_REFUSED_STATUS}; }`;
  // `command -p`: realpath from the system's default PATH, never a shell function or a PATH
  // entry from the target account's start-up files.
  const steps = [`command -p -v realpath >/dev/null 2>&1 || ${refuse(0, 'no_realpath')}`];
  const resolved = new Map<number, { offset: number; variable: string }>();
  paths.forEach((operand, i) => {
    const variable = `ogent_p${i}`;
    const typed = (argv[operand.index] ?? '').slice(operand.offset);
    steps.push(
      `${variable}=$(command -p realpath -e -- ${quoteArg(typed)} 2>/dev/null && printf x) || ${refuse(i, 'missing')}`,
      `${variable}=\${${variable}%?x}`,
      `case $${variable} in ${casePatterns(operand.prefixes)}) ;; *) ${refuse(i, 'outside')} ;; esac`,
    );
    resolved.set(operand.index, { offset: operand.offset, variable });
  });
  const words = argv.map((arg, index) => {
    const path = resolved.get(index);
    if (path === undefined) return quoteArg(arg);
    const before = arg.slice(0, path.offset);
    return `${before === '' ? '' : quoteArg(before)}"$${path.variable}"`;
  });
  steps.push(`exec ${words.join(' ')} </dev/null`);
  return steps.join('; ');
}

/**
 * Passes stderr through, except for the guard's refusal line: the first line of stderr is held
 * back until it is clearly not one (it differs from the marker, or is too long). A refusal line
 * is swallowed and kept in {@link refusal}; the program never ran, so nothing else follows.
 */
export class GuardRefusalFilter extends Transform {
  refusal: GuardRefusal | undefined;
  private readonly prefix: Buffer;
  /** Bytes held back while they could still be a refusal line; null once decided. */
  private held: Buffer | null = Buffer.alloc(0);

  constructor(nonce: string) {
    super();
    this.prefix = Buffer.from(`${MARKER} ${nonce} `);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.held === null) {
      if (this.refusal === undefined) this.push(chunk);
      callback();
      return;
    }
    const data = this.held.length === 0 ? chunk : Buffer.concat([this.held, chunk]);
    const compared = Math.min(data.length, this.prefix.length);
    if (!data.subarray(0, compared).equals(this.prefix.subarray(0, compared))) {
      this.release(data);
    } else {
      const newline = data.indexOf(0x0a);
      if (newline !== -1) {
        const refusal = parseRefusal(data.subarray(this.prefix.length, newline).toString('latin1'));
        if (refusal === undefined) this.release(data);
        else {
          this.refusal = refusal;
          this.held = null;
        }
      } else if (data.length > MAX_LINE) this.release(data);
      else this.held = data;
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.held !== null && this.held.length > 0) this.push(this.held);
    this.held = null;
    callback();
  }

  private release(data: Buffer): void {
    this.held = null;
    this.push(data);
  }
}

function parseRefusal(rest: string): GuardRefusal | undefined {
  const match = /^(\d{1,4}) (missing|outside|no_realpath)$/.exec(rest);
  if (match === null) return undefined;
  return { path: Number(match[1]), kind: match[2] as PathRefusalKind };
}
