import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pgrep } from '@ogent/executor/testing';
import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestStack, startTestStack } from '../src/testing/index.js';
import { post, signedIn, trpcError, watch } from './helpers.js';

/**
 * The whitelist under attack: every input below goes to the ssh target `web-1` through the HTTP
 * contract and through the typed client. Each is either refused (403 / FORBIDDEN, a reason, an
 * audit record of the denial) or runs with its words as literal arguments, printing exactly what
 * they say. Payloads aim at a canary file and a tripwire directory on the target; afterwards the
 * target itself is checked for any effect.
 */

const HAS_GIT = existsSync('/usr/bin/git');
/** A marker a payload would leave running as a process (`sleep 31337`). */
const SLEEP_MARK = '31337';

/** Placeholders in the corpus, filled in once the target's directories exist. */
interface Places {
  /** The public directory the file commands may read (world-writable, so an attack could act). */
  readonly P: string;
  /** The tripwire directory payloads try to create files in; must stay empty. */
  readonly T: string;
  /** The canary file (mode 0666) payloads try to change or delete. */
  readonly C: string;
  /** A file outside the public directory that traversal tries to reach. */
  readonly S: string;
}

type Expectation =
  | { readonly refused: string }
  | {
      /** Exact standard output. */
      readonly stdout: string | ((places: Places) => string);
      readonly exitCode?: number;
      /** What standard error must contain (default: empty). */
      readonly stderr?: RegExp;
    };

interface Row {
  readonly name: string;
  readonly input: (places: Places) => string;
  readonly expected: Expectation;
}

const refused = (code: string): Expectation => ({ refused: code });
const prints = (
  stdout: string | ((places: Places) => string),
  extra: { exitCode?: number; stderr?: RegExp } = {},
): Expectation => ({ stdout, ...extra });

function fill(template: string, places: Places): string {
  return template.replace(/%([PTCS])%/g, (_m, key: keyof Places) => places[key]);
}

function row(template: string, expected: Expectation, name?: string): Row {
  return {
    name: name ?? JSON.stringify(template).slice(0, 90),
    input: (places) => fill(template, places),
    expected,
  };
}

const SHELL = 'shell_syntax';
const CONTROL = 'control_character';
const INVISIBLE = 'invisible_character';
const OPTION = 'option_not_allowed';
const VALUE = 'option_value';
const ARGUMENT = 'argument_not_allowed';
const TOO_MANY = 'too_many_arguments';
const UNKNOWN = 'unknown_command';
const ASSIGNMENT = 'env_assignment';
/** Admitted, then refused on the target: a path that does not resolve under its prefix. */
const ON_TARGET = 'path_refused';

const chaining: Row[] = [
  row('ls; id', refused(SHELL)),
  row('ls;id', refused(SHELL)),
  row('ls && id', refused(SHELL)),
  row('ls || id', refused(SHELL)),
  row('ls | id', refused(SHELL)),
  row('ls |& id', refused(SHELL)),
  row('ls & id', refused(SHELL)),
  row(`sleep ${SLEEP_MARK} &`, refused(SHELL)),
  row(`echo x; sleep ${SLEEP_MARK}`, refused(SHELL)),
  row('echo a; touch %T%/pwned-1', refused(SHELL)),
  row('echo a && touch %T%/pwned-2', refused(SHELL)),
  row('echo a | tee %T%/pwned-3', refused(SHELL)),
  row('echo a || rm %C%', refused(SHELL)),
  row('echo a ;; id', refused(SHELL)),
  row('(id)', refused(SHELL)),
  row('{ id; }', refused(SHELL)),
  row('! id', refused(SHELL)),
  row('echo x #; touch %T%/pwned-4', refused(SHELL)),
  row('ls\nid', refused(CONTROL)),
  row('ls\rid', refused(CONTROL)),
  row('ls\r\ntouch %T%/pwned-5', refused(CONTROL)),
  row('echo a\n\ntouch %T%/pwned-6', refused(CONTROL)),
];

const substitution: Row[] = [
  row('ls $(id)', refused(SHELL)),
  row('ls `id`', refused(SHELL)),
  row('echo $(touch %T%/pwned-7)', refused(SHELL)),
  row('echo "$(touch %T%/pwned-8)"', refused(SHELL)),
  row('echo "`touch %T%/pwned-9`"', refused(SHELL)),
  row('echo ${HOME}', refused(SHELL)),
  row('echo $HOME $SSH_AUTH_SOCK', refused(SHELL)),
  row('echo "$HOME"', refused(SHELL)),
  row('echo $((1+1))', refused(SHELL)),
  row('echo $[1+1]', refused(SHELL)),
  row('cat <(id)', refused(SHELL)),
  row('cat >(touch %T%/pwned-10)', refused(SHELL)),
  row("echo $'\\x69\\x64'", refused(SHELL)),
  row("$'\\x69\\x64'", refused(SHELL)),
  row('echo $"id"', refused(SHELL)),
  row('echo ${IFS}id', refused(SHELL)),
  row('echo $0 $@ $$', refused(SHELL)),
  row('echo "a$"', refused(SHELL)),
];

const redirection: Row[] = [
  row('echo k > ~/.ssh/authorized_keys', refused(SHELL)),
  row('echo pwned > %C%', refused(SHELL)),
  row('echo pwned >> %C%', refused(SHELL)),
  row('id > %T%/x', refused(SHELL)),
  row('echo x >%T%/pwned-11', refused(SHELL)),
  row('cat < %S%', refused(SHELL)),
  row('ls 2>&1', refused(SHELL)),
  row('ls &> %T%/pwned-12', refused(SHELL)),
  row('cat <<< x', refused(SHELL)),
  row('cat << EOF', refused(SHELL)),
  row('echo x 1>%T%/pwned-13', refused(SHELL)),
  row('echo x >| %T%/pwned-14', refused(SHELL)),
  row('ls >&2', refused(SHELL)),
];

const globbing: Row[] = [
  row('cat /etc/sha*', refused(SHELL)),
  row('cat %P%/*', refused(SHELL)),
  row('cat %P%/canary.tx?', refused(SHELL)),
  row('ls ?', refused(SHELL)),
  row('ls [ab]', refused(SHELL)),
  row('echo {a,b}', refused(SHELL)),
  row('echo {1..3}', refused(SHELL)),
  row('echo a}', refused(SHELL)),
  row('ls ~', refused(SHELL)),
  row('ls ~root', refused(SHELL)),
  row('cat ~/.bashrc', refused(SHELL)),
];

const environment: Row[] = [
  row('PATH=/tmp/x:$PATH ls', refused(SHELL)),
  row('PATH=/tmp/x ls', refused(ASSIGNMENT)),
  row('LD_PRELOAD=/tmp/x.so ls', refused(ASSIGNMENT)),
  row('BASH_ENV=%T%/x ls', refused(ASSIGNMENT)),
  row('A=1 B=2 echo x', refused(ASSIGNMENT)),
  row('_=x ls', refused(ASSIGNMENT)),
  row('IFS=x echo', refused(ASSIGNMENT)),
  row('env id', refused(TOO_MANY)),
  row('env PATH=/tmp ls', refused(TOO_MANY)),
  row('/usr/bin/env id', refused(TOO_MANY)),
  row('env -i id', refused(OPTION)),
  row('env -S id', refused(OPTION)),
  row('env --split-string=id', refused(OPTION)),
  row('env -- id', refused(TOO_MANY)),
];

const runsOthers: Row[] = [
  row('xargs id', refused(UNKNOWN)),
  row('xargs -a %S%', refused(UNKNOWN)),
  row('timeout 1 id', refused(UNKNOWN)),
  row('/usr/bin/timeout 1 touch %T%/pwned-15', refused(UNKNOWN)),
  row('nice id', refused(TOO_MANY)),
  row('nice -n 5 id', refused(OPTION)),
  row('nice -- id', refused(TOO_MANY)),
  row('/usr/bin/nice touch %T%/pwned-16', refused(TOO_MANY)),
  row('nohup id', refused(UNKNOWN)),
  row('setsid id', refused(UNKNOWN)),
  row('sh -c id', refused(UNKNOWN)),
  row('bash -c id', refused(UNKNOWN)),
  row('/bin/sh', refused(UNKNOWN)),
  row('sudo id', refused(UNKNOWN)),
  row('exec id', refused(UNKNOWN)),
  row('command id', refused(UNKNOWN)),
  row('eval id', refused(UNKNOWN)),
  row('. %T%/x', refused(UNKNOWN)),
  row('id', refused(UNKNOWN)),
  row('/usr/bin/id', refused(UNKNOWN)),
  row('//bin/ls', refused(UNKNOWN)),
  row('/bin/./ls', refused(UNKNOWN)),
  row('perl -e \'system("id")\'', refused(UNKNOWN)),
  row("'' id", refused(UNKNOWN)),
];

const find: Row[] = [
  row('find %P% -exec id {} +', refused(SHELL)),
  row('find %P% -exec id ;', refused(SHELL)),
  row("find %P% -exec id '{}' '+'", refused(OPTION)),
  row("find %P% -exec touch %T%/pwned-17 ';'", refused(OPTION)),
  row("find %P% -execdir id '{}' '+'", refused(OPTION)),
  row("find %P% -ok id ';'", refused(OPTION)),
  row("find %P% -okdir id ';'", refused(OPTION)),
  row('find %P% -delete', refused(OPTION)),
  row('find %P% -fprint %T%/pwned-18', refused(OPTION)),
  row('find %P% -fprintf %T%/pwned-19 x', refused(OPTION)),
  row('find %P% -fls %T%/pwned-20', refused(OPTION)),
  row("find %P% -name x -o -exec id ';'", refused(OPTION)),
  row('find -L %P%', refused(OPTION)),
  row('find %P% -newer %C%', refused(OPTION)),
  row('find %P% -type x', refused(VALUE)),
  row("find %P% -name '$(id)'", refused(VALUE)),
  row('find %P% -name', refused(VALUE)),
  row('find / -name shadow', refused(ARGUMENT)),
  row('find %P%/.. -name secret.txt', refused(ARGUMENT)),
  row("find %P% '(' -name x ')'", refused(TOO_MANY)),
  row(
    'find %P% -name canary.txt',
    prints(({ P }) => `${P}/canary.txt\n`),
  ),
  row(
    "find %P% -name '*.log' -type f",
    prints(({ P }) => `${P}/sub/note.log\n`),
  ),
  // An option's value is a value, even when it looks like an option.
  row('find %P% -name -exec', prints('')),
];

const tar: Row[] = [
  row('tar cf /dev/null x --checkpoint=1 --checkpoint-act=exec=id', refused(OPTION)),
  row('tar -t -f %P%/a.tar --checkpoint=1 --checkpoint-action=exec=id', refused(OPTION)),
  row('tar -t -f %P%/a.tar --checkpoint-a=exec=id', refused(OPTION)),
  row('tar -t -f %P%/a.tar --to-command=id', refused(OPTION)),
  row('tar -t -f %P%/a.tar --use-compress-program=id', refused(OPTION)),
  row('tar -t -I id -f %P%/a.tar', refused(OPTION)),
  row('tar -t -f %P%/a.tar -F id', refused(OPTION)),
  row('tar -t -f %P%/a.tar --rsh-command=/usr/bin/id', refused(OPTION)),
  row('tar -tvf %P%/a.tar', refused(OPTION)),
  row('tar -x -f %P%/a.tar', refused(OPTION)),
  row('tar -t -f localhost:/x', refused(VALUE)),
  row('tar -t -f /etc/shadow', refused(VALUE)),
  row('tar -t -f %P%/../a.tar', refused(VALUE)),
  row('tar tf %P%/a.tar', refused(TOO_MANY)),
  row('tar -t -f %P%/a.tar', prints('hello.txt\n')),
  row('tar -t -f%P%/a.tar', prints('hello.txt\n')),
  // A colon after a slash names a local file to GNU tar, never a remote host to reach.
  row('tar -t -f %P%/a.tar:x', refused(ON_TARGET)),
];

const awkAndSed: Row[] = [
  row('awk \'BEGIN{system("id")}\'', refused(ARGUMENT)),
  row('awk \'BEGIN{print > "%T%/pwned-21"}\'', refused(ARGUMENT)),
  row('awk \'{print $1}|"id"\'', refused(ARGUMENT)),
  row('awk -f %T%/x.awk', refused(OPTION)),
  row("awk -v x=1 'NR==1'", refused(OPTION)),
  row("awk '{print $1}' %S%", refused(TOO_MANY)),
  row("awk '{print $1}'", prints('')),
  row("sed -n '1e id'", refused(ARGUMENT)),
  row("sed 'e touch %T%/pwned-22'", refused(ARGUMENT)),
  row("sed -n '1w %T%/pwned-23'", refused(ARGUMENT)),
  row('sed -i 1d %C%', refused(OPTION)),
  row('sed --expression=1e\\ id', refused(OPTION)),
  row('sed -e 1p', refused(OPTION)),
  row('sed -z 1p', refused(OPTION)),
  row('sed -n 1p %S%', refused(TOO_MANY)),
  row('sed -n 1p', prints('')),
];

const gitVersion = HAS_GIT ? execFileSync('/usr/bin/git', ['--version'], { encoding: 'utf8' }) : '';
const git: Row[] = HAS_GIT
  ? [
      row('git -c alias.x=!id x', refused(SHELL)),
      row("git -c 'alias.x=!id' x", refused(OPTION)),
      row('git -c core.pager=id status', refused(OPTION)),
      row('git --upload-pack=id ls-remote', refused(OPTION)),
      row("git ls-remote 'ext::sh -c id'", refused(TOO_MANY)),
      row("git 'ext::sh -c touch %T%/pwned-24'", refused(ARGUMENT)),
      row('git --exec-path=%T% status', refused(OPTION)),
      row('git -C / status', refused(OPTION)),
      row('git --git-dir=%T% status', refused(OPTION)),
      row('git x', refused(ARGUMENT)),
      row('git --version', prints(gitVersion)),
    ]
  : [];

const tail: Row[] = [
  row('tail -n1 %P%/../../etc/shadow', refused(ARGUMENT)),
  row('tail -n 1 %P%/./../secret.txt', refused(ARGUMENT)),
  row('tail -f %C%', refused(OPTION)),
  row('tail --follow=name %C%', refused(OPTION)),
  row('tail -n 0 %C%', refused(VALUE)),
  row('tail -n -1 %C%', refused(VALUE)),
  row('tail -n 1e9 %C%', refused(VALUE)),
  row('tail -n 0x10 %C%', refused(VALUE)),
  row('tail -n 99999999999999999999 %C%', refused(VALUE)),
  row("tail -n '$(id)' %C%", refused(VALUE)),
  row('tail -n 1 -- -n', refused(ARGUMENT)),
  row('tail -n 1 -', refused(ARGUMENT)),
  row('tail -n 1 %S%', refused(ARGUMENT)),
  row('tail -n 1 /etc/passwd', refused(ARGUMENT)),
  row('tail -n 1 %P%x/canary.txt', refused(ARGUMENT)),
  row(
    'tail -n 1 %C%',
    prints(() => canary),
  ),
  row(
    'tail -n1 %C%',
    prints(() => canary),
  ),
];

const traversal: Row[] = [
  row('cat %P%/../secret.txt', refused(ARGUMENT)),
  row('cat %P%/./canary.txt', refused(ARGUMENT)),
  row('cat %P%/sub/../../secret.txt', refused(ARGUMENT)),
  row('cat %P%/../../../../../../etc/shadow', refused(ARGUMENT)),
  row('cat %P%/..\\/secret.txt', refused(ARGUMENT)),
  row('cat %P%/.\\./secret.txt', refused(ARGUMENT)),
  row('cat "%P%/.."/secret.txt', refused(ARGUMENT)),
  row('cat /etc/passwd', refused(ARGUMENT)),
  row('cat //etc/passwd', refused(ARGUMENT)),
  row('cat %P%x', refused(ARGUMENT)),
  row('cat %C% %S%', refused(ARGUMENT)),
  row('cat -n %C%', refused(OPTION)),
  row('cat -- -n', refused(ARGUMENT)),
  row('cat -', refused(ARGUMENT)),
  row('cat', refused('too_few_arguments')),
  row(
    'cat %C%',
    prints(() => canary),
  ),
  row(
    'cat %P%//canary.txt',
    prints(() => canary),
  ),
  // Encoded traversal is a file name with `%` in it, nothing more.
  row('cat %P%/..%2fsecret.txt', refused(ON_TARGET)),
  row('cat %P%/%2e%2e/secret.txt', refused(ON_TARGET)),
  row('cat %P%/\u2215..\u2215secret.txt', refused(ON_TARGET)),
  row('cat %P%/canary.txt/', refused(ON_TARGET)),
  row('cat %P%', prints('', { exitCode: 1, stderr: /Is a directory/ })),
];

const lsRows: Row[] = [
  row('ls -R /', refused(OPTION)),
  row('ls --color=always', refused(OPTION)),
  row('ls --al', refused(OPTION)),
  row('ls -I id', refused(OPTION)),
  row("ls 'a b'", refused(ARGUMENT)),
  row('ls "$(id)"', refused(SHELL)),
  row('ls %P%', prints('a.tar\ncanary.txt\nsub\n')),
  row('"l"s %P%', prints('a.tar\ncanary.txt\nsub\n')),
  row('l\\s %P%', prints('a.tar\ncanary.txt\nsub\n')),
  // Leading dashes as operands: after `--`, so ls reads them as file names.
  row('ls -- -la', prints('', { exitCode: 2, stderr: /cannot access '-la'/ })),
  row('ls -l -- --help', prints('', { exitCode: 2, stderr: /cannot access '--help'/ })),
];

const literal: Row[] = [
  row("echo '$(id)'", prints('$(id)\n')),
  row("echo '`id`'", prints('`id`\n')),
  row("echo '$HOME' '$SSH_AUTH_SOCK'", prints('$HOME $SSH_AUTH_SOCK\n')),
  row('echo \\$HOME', prints('$HOME\n')),
  row('echo "\\$HOME"', prints('$HOME\n')),
  row(
    "echo 'a; touch %T%/pwned-25'",
    prints((p) => `a; touch ${p.T}/pwned-25\n`),
  ),
  row(
    "echo 'a && rm %C%'",
    prints((p) => `a && rm ${p.C}\n`),
  ),
  row("echo 'k' '>' '~/.ssh/authorized_keys'", prints('k > ~/.ssh/authorized_keys\n')),
  row(
    "echo 'id > %T%/x'",
    prints((p) => `id > ${p.T}/x\n`),
  ),
  row('echo "it\'s"', prints("it's\n")),
  row("echo 'it'\\''s'", prints("it's\n")),
  row("echo '\"'", prints('"\n')),
  row('echo "\\\\"', prints('\\\n')),
  row("echo 'a\\nb'", prints('a\\nb\n')),
  row("echo '%s%n%x'", prints('%s%n%x\n')),
  row("echo 'a\tb'", prints('a\tb\n')),
  row('echo\ta\t\tb', prints('a b\n')),
  row('echo a\\ b', prints('a b\n')),
  row("echo ''", prints('\n')),
  row("echo '' ''", prints(' \n')),
  row("echo '*' '?' '[a]' '{a,b}' '~' '!' '#x'", prints('* ? [a] {a,b} ~ ! #x\n')),
  row('echo x#y a=b c== ^x ]', prints('x#y a=b c== ^x ]\n')),
  row("echo 'PATH=/tmp' ls", prints('PATH=/tmp ls\n')),
  row('echo -', prints('-\n')),
  row('echo caf\u00e9', prints('caf\u00e9\n')),
  // Normalised to NFC before the check, and what runs is the normalised text.
  row('echo cafe\u0301', prints('caf\u00e9\n')),
  // Fullwidth look-alikes are other characters, passed on as such.
  row('echo \uff1bid \uff4c\uff53', prints('\uff1bid \uff4c\uff53\n')),
  row('echo \u{1f600} \u03a9', prints('\u{1f600} \u03a9\n')),
  row("echo '--help'", refused(OPTION)),
  row("echo -e '\\x41'", refused(OPTION)),
  row('echo -n x', refused(OPTION)),
  row('echo -- -e', refused(OPTION)),
  row('nice', prints('0\n')),
];

const unicode: Row[] = [
  row('ls\0; id', refused(CONTROL), 'ls NUL ; id'),
  row('echo a\0b', refused(CONTROL), 'echo a NUL b'),
  row('echo \u001b[31mred', refused(CONTROL), 'ESC'),
  row('echo \u009b31m', refused(CONTROL), 'C1 CSI'),
  row('echo a\u0085b', refused(CONTROL), 'C1 NEL'),
  row('echo \u007f', refused(CONTROL), 'DEL'),
  row('echo \u0007', refused(CONTROL), 'BEL'),
  row('echo a\u000bb', refused(CONTROL), 'vertical tab'),
  row('echo a\u000cb', refused(CONTROL), 'form feed'),
  row('echo a\\\nb', refused(CONTROL), 'backslash-newline'),
  row('echo "a\\\nb"', refused(CONTROL), 'backslash-newline in double quotes'),
  row('ls\u00a0-la', refused(INVISIBLE), 'no-break space'),
  row('echo \ue000', refused('unassigned_character'), 'a private-use character'),
  row('echo a\u{10fffd}', refused('unassigned_character'), 'a supplementary private-use character'),
  row('echo \u0378', refused('unassigned_character'), 'an unassigned code point'),
  row('echo \ufdd0', refused('unassigned_character'), 'a noncharacter'),
  row('echo a\u202fb', refused(INVISIBLE), 'narrow no-break space'),
  row('echo a\u2007b', refused(INVISIBLE), 'figure space'),
  row('echo a\u3000b', refused(INVISIBLE), 'ideographic space'),
  row('echo a\u1680b', refused(INVISIBLE), 'ogham space'),
  row('ls\u2028id', refused(INVISIBLE), 'line separator'),
  row('ls\u2029id', refused(INVISIBLE), 'paragraph separator'),
  row('ls \u202e', refused(INVISIBLE), 'right-to-left override'),
  row('echo \u202egnp.exe', refused(INVISIBLE), 'right-to-left override in a word'),
  row('echo \u2066x\u2069', refused(INVISIBLE), 'bidi isolates'),
  row('echo \u200ex', refused(INVISIBLE), 'left-to-right mark'),
  row('echo a\u200bb', refused(INVISIBLE), 'zero-width space'),
  row('echo a\u200db', refused(INVISIBLE), 'zero-width joiner'),
  row('echo a\u2060b', refused(INVISIBLE), 'word joiner'),
  row('echo \ufeffx', refused(INVISIBLE), 'byte order mark'),
  row('echo a\u00adb', refused(INVISIBLE), 'soft hyphen'),
  row('echo a\u180eb', refused(INVISIBLE), 'Mongolian vowel separator'),
  row('echo a\u3164b', refused(INVISIBLE), 'Hangul filler'),
  row('ls\u3164-la', refused(INVISIBLE), 'Hangul filler as a space'),
  row('echo a\u2800b', refused(INVISIBLE), 'Braille blank'),
  row('echo a\ufe0fb', refused(INVISIBLE), 'variation selector'),
  row('echo \u{e0069}\u{e0064}', refused(INVISIBLE), 'tag characters'),
  row('echo \ud800', refused('malformed_unicode'), 'lone high surrogate'),
  row('echo \udc00x', refused('malformed_unicode'), 'lone low surrogate'),
  // Look-alikes that NFC turns into the real thing: refused, since NFC comes first.
  row('ls\u037e id', refused(SHELL), 'Greek question mark (NFC: ;)'),
  row('echo \u1fefid\u1fef', refused(SHELL), 'Greek varia (NFC: backquote)'),
];

const quoting: Row[] = [
  row("echo 'unterminated", refused('unterminated_quote')),
  row('echo "unterminated', refused('unterminated_quote')),
  row('echo \\', refused(SHELL)),
  row("'ls'; id", refused(SHELL)),
  row("$'ls'", refused(SHELL)),
  row('', refused('empty')),
  row(' \t ', refused('empty')),
];

const overlong: Row[] = [
  row(`ls ${'a'.repeat(5_000)}`, refused('too_long'), 'ls + 5,000 characters'),
  row(`ls ${'a'.repeat(60_000)}`, refused('too_long'), 'ls + 60,000 characters'),
  // Short enough as typed, too long once NFC decomposes each U+0958 into two characters.
  row(`echo ${'\u0958'.repeat(3_000)}`, refused('too_long'), 'NFC expands past the limit'),
];

const corpus: Row[] = [
  ...chaining,
  ...substitution,
  ...redirection,
  ...globbing,
  ...environment,
  ...runsOthers,
  ...find,
  ...tar,
  ...awkAndSed,
  ...git,
  ...tail,
  ...traversal,
  ...lsRows,
  ...literal,
  ...unicode,
  ...quoting,
  ...overlong,
];

let stack: TestStack;
let root: string;
let places: Places;
let canary: string;
let overHttp: Awaited<ReturnType<typeof signedIn>>;
let overTrpc: Awaited<ReturnType<typeof signedIn>>;
/** Attempts made, per user: each must leave exactly one audit record. */
const attempts = { http: 0, trpc: 0 };
/** Whatever a literal run printed, for the checks at the end. */
const printed: string[] = [];
const TARGET_AUTHORIZED_KEYS = '/home/ogent-target/.ssh/authorized_keys';
let authorizedKeysBefore: string | null;
let secret: string;

function readIfExists(file: string): string | null {
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
}

/**
 * The target's files: a public directory the file commands may read, a canary in it, a
 * tripwire directory, and a secret outside. All are world-writable where an attack could act,
 * so that any payload that ran would leave a trace.
 */
function createTargetFiles(): Places {
  root = mkdtempSync(path.join(os.tmpdir(), 'ogent-hostile-'));
  chmodSync(root, 0o755);
  const P = path.join(root, 'public');
  const T = path.join(root, 'tripwire');
  mkdirSync(path.join(P, 'sub'), { recursive: true });
  mkdirSync(T);
  chmodSync(P, 0o777);
  chmodSync(T, 0o777);
  const C = path.join(P, 'canary.txt');
  canary = `canary ${randomBytes(8).toString('hex')}\n`;
  writeFileSync(C, canary);
  chmodSync(C, 0o666);
  writeFileSync(path.join(P, 'sub', 'note.log'), 'note\n');
  writeFileSync(path.join(root, 'hello.txt'), 'hello\n');
  execFileSync('/bin/tar', ['-C', root, '-cf', path.join(P, 'a.tar'), 'hello.txt']);
  const S = path.join(root, 'secret.txt');
  secret = `secret ${randomBytes(8).toString('hex')}`;
  writeFileSync(S, `${secret}\n`, { mode: 0o644 });
  return { P, T, C, S };
}

beforeAll(async () => {
  places = createTargetFiles();
  const { P } = places;
  stack = await startTestStack({
    config: {
      commands: {
        cat: { path: '/bin/cat', args: { min: 1, max: 4, pathPrefix: P }, endOfOptions: true },
        tail: {
          path: '/usr/bin/tail',
          options: [{ name: '-n', value: { integer: { min: 1, max: 1000 } } }],
          args: { min: 1, max: 1, pathPrefix: P },
          endOfOptions: true,
        },
        find: {
          path: '/usr/bin/find',
          options: [
            { name: '-name', value: { pattern: '[A-Za-z0-9._*?-]+' } },
            { name: '-type', value: { enum: ['f', 'd'] } },
          ],
          args: { min: 1, max: 1, pathPrefix: P },
          endOfOptions: false,
        },
        tar: { path: '/bin/tar', options: ['-t', '-v', { name: '-f', value: { pathPrefix: P } }] },
        awk: { path: '/usr/bin/awk', args: { min: 1, max: 1, enum: ['{print $1}', 'NR==1'] } },
        sed: { path: '/bin/sed', options: ['-n'], args: { min: 1, max: 1, enum: ['1p', '$p'] } },
        env: { path: '/usr/bin/env' },
        nice: { path: '/usr/bin/nice' },
        ...(HAS_GIT
          ? {
              git: {
                path: '/usr/bin/git',
                options: ['--version'],
                args: { max: 1, enum: ['status', 'log'] },
                // git reads `--` as a path separator, not before its subcommand.
                endOfOptions: false,
              },
            }
          : {}),
      },
      // The test users keep their roles: `operator` (alice, bob) may run every command.
      roles: { operator: { commands: ['*'], targets: ['*'] } },
    },
  });
  overHttp = await signedIn(stack, 'alice');
  overTrpc = await signedIn(stack, 'bob');
  authorizedKeysBefore = readIfExists(TARGET_AUTHORIZED_KEYS);
});

afterAll(async () => {
  await Promise.all([overHttp?.close(), overTrpc?.close()]);
  await stack?.stop();
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

/** How one attempt came out, whichever way it was sent. */
type Outcome =
  | { kind: 'refused'; error: unknown; code: unknown; reason: unknown; executionId: string }
  | {
      kind: 'ran';
      status: unknown;
      exitCode: unknown;
      stdout: string;
      stderr: string;
      executionId: string;
    }
  | { kind: 'unexpected'; detail: string; executionId: string };

async function overHttpApi(input: string): Promise<Outcome> {
  attempts.http += 1;
  const { status, body } = await post(
    stack,
    '/api/command',
    { command: input, target: 'web-1' },
    overHttp.token,
  );
  const executionId = String(body.executionId);
  if (status === 403) {
    return {
      kind: 'refused',
      error: body.error,
      code: body.refusalCode,
      reason: body.reason,
      executionId,
    };
  }
  if (status !== 200)
    return { kind: 'unexpected', detail: `${status} ${JSON.stringify(body)}`, executionId };
  return {
    kind: 'ran',
    status: body.status,
    exitCode: body.exitCode,
    stdout: String(body.stdout),
    stderr: String(body.stderr),
    executionId,
  };
}

async function overTypedClient(input: string): Promise<Outcome> {
  attempts.trpc += 1;
  let executionId: string;
  try {
    ({ executionId } = await overTrpc.trpc.exec.execute.mutate({
      target: 'web-1',
      command: input,
    }));
  } catch (error) {
    if (!(error instanceof TRPCClientError)) throw error;
    const data = error.data as { code?: string; refusal?: Record<string, unknown> } | undefined;
    if (data?.code !== 'FORBIDDEN' || data.refusal === undefined) {
      return { kind: 'unexpected', detail: `${data?.code} ${error.message}`, executionId: '' };
    }
    return {
      kind: 'refused',
      error: error.message,
      code: data.refusal.refusalCode,
      reason: data.refusal.reason,
      executionId: String(data.refusal.executionId),
    };
  }
  const result = await watch(overTrpc, executionId);
  if (result.end.status === 'refused') {
    return {
      kind: 'refused',
      error: 'Command not permitted',
      code: ON_TARGET,
      reason: result.end.error?.message,
      executionId,
    };
  }
  return {
    kind: 'ran',
    status: result.end.status,
    exitCode: result.end.exitCode,
    stdout: result.stdout.toString(),
    stderr: result.stderr.toString(),
    executionId,
  };
}

/**
 * The input as the audit record can hold it: SQLite text is UTF-8, where an unpaired surrogate
 * cannot exist, so it is kept as replacement characters.
 */
function asStored(input: string): string {
  return input.toWellFormed();
}

describe.concurrent(`${corpus.length} hostile inputs, each over HTTP and the typed client`, () => {
  it.for(corpus)('$name', async ({ input: template, expected }, { expect }) => {
    const input = template(places);
    const outcomes = await Promise.all([
      overHttpApi(input).then((outcome) => ({ outcome, client: overHttp })),
      overTypedClient(input).then((outcome) => ({ outcome, client: overTrpc })),
    ]);
    for (const { outcome, client } of outcomes) {
      expect(outcome.kind, outcome.kind === 'unexpected' ? outcome.detail : '').not.toBe(
        'unexpected',
      );
      const record = await client.trpc.exec.byId.query({ executionId: outcome.executionId });
      // The audit record holds what was sent.
      expect(record.input.replace(/\uFFFD+/gu, '\uFFFD')).toBe(asStored(input));
      if ('refused' in expected) {
        expect(outcome).toMatchObject({
          kind: 'refused',
          error: 'Command not permitted',
          code: expected.refused,
          reason: expect.stringMatching(/.{10}/su),
        });
        expect(record).toMatchObject(
          expected.refused === ON_TARGET
            ? // Admitted by the policy, then refused where the path was resolved: nothing ran.
              {
                status: 'refused',
                decision: 'allowed',
                error: outcome.kind === 'refused' ? outcome.reason : undefined,
              }
            : {
                status: 'refused',
                decision: 'refused',
                refusalCode: expected.refused,
                argv: null,
              },
        );
        continue;
      }
      const stdout =
        typeof expected.stdout === 'string' ? expected.stdout : expected.stdout(places);
      expect(outcome).toMatchObject({
        kind: 'ran',
        status: 'completed',
        exitCode: expected.exitCode ?? 0,
        stdout,
      });
      if (outcome.kind !== 'ran') continue;
      if (expected.stderr === undefined) expect(outcome.stderr).toBe('');
      else expect(outcome.stderr).toMatch(expected.stderr);
      printed.push(outcome.stdout, outcome.stderr);
      expect(record).toMatchObject({ status: 'completed', decision: 'allowed' });
      expect(record.argv?.[0]).toMatch(/^\//);
    }
  });
});

describe('hostile parameters (HTTP `params`)', () => {
  it('are passed as literal words, whatever they hold', async () => {
    attempts.http += 1;
    const { status, body } = await post(
      stack,
      '/api/command',
      {
        command: 'echo',
        target: 'web-1',
        params: ['$(id)', `; touch ${places.T}/pwned-p1`, "it's", '"', '\\', '*', ''],
      },
      overHttp.token,
    );
    expect(status).toBe(200);
    expect(body.stdout).toBe(`$(id) ; touch ${places.T}/pwned-p1 it's " \\ * \n`);
  });

  it.each([
    ['a NUL', ['a\u0000b'], 'control_character'],
    ['a newline', ['a\ntouch x'], 'control_character'],
    ['a leading dash', ['-n'], 'option_not_allowed'],
    ['an unpaired surrogate', ['\ud800'], 'malformed_unicode'],
  ])('with %s are refused like the same text typed in the command', async (_what, params, code) => {
    attempts.http += 1;
    const { status, body } = await post(
      stack,
      '/api/command',
      { command: 'echo', target: 'web-1', params },
      overHttp.token,
    );
    expect(status).toBe(403);
    expect(body).toMatchObject({ error: 'Command not permitted', refusalCode: code });
    const record = await overHttp.trpc.exec.byId.query({ executionId: String(body.executionId) });
    expect(record).toMatchObject({ status: 'refused', refusalCode: code });
  });
});

describe('input far over the policy limit', () => {
  it('is refused as too long over HTTP and tRPC alike, and recorded as a digest', async () => {
    const input = `ls ${'a'.repeat(140_000)}`;
    const http = await post(
      stack,
      '/api/command',
      { command: input, target: 'web-1' },
      overHttp.token,
    );
    attempts.http += 1;
    expect(http).toMatchObject({ status: 403, body: { refusalCode: 'too_long' } });
    const trpc = await trpcError(
      overTrpc.trpc.exec.execute.mutate({ target: 'web-1', command: input }),
    );
    attempts.trpc += 1;
    expect(trpc.code).toBe('FORBIDDEN');
    const refusal = (trpc.data as { refusal: { refusalCode: string; executionId: string } })
      .refusal;
    expect(refusal.refusalCode).toBe('too_long');
    const record = await overTrpc.trpc.exec.byId.query({ executionId: refusal.executionId });
    expect(record).toMatchObject({ status: 'refused', refusalCode: 'too_long' });
    // Recorded as its first 64 KiB, its length and its SHA-256, not the whole 140,000.
    const digest = createHash('sha256').update(input).digest('hex');
    expect(record.input).toBe(
      `${input.slice(0, 65_536)}\u2026 [${input.length} characters in all, sha256 ${digest}]`,
    );
  });
});

describe('afterwards, on the target', () => {
  it('no payload had any effect: canary intact, tripwire empty, nothing left running', () => {
    const { C, T } = places;
    expect(readFileSync(C, 'utf8')).toBe(canary);
    expect(statSync(C).mode & 0o7777).toBe(0o666);
    expect(readdirSync(T)).toEqual([]);
    expect(readdirSync(places.P).sort()).toEqual(['a.tar', 'canary.txt', 'sub']);
    expect(readIfExists(TARGET_AUTHORIZED_KEYS)).toBe(authorizedKeysBefore);
    expect(pgrep(stack.sshd?.username ?? '', SLEEP_MARK)).toEqual([]);
    expect(pgrep(stack.sshd?.username ?? '', 'pwned')).toEqual([]);
    // Nothing a literal run printed came from a payload or from outside the public directory.
    const all = printed.join('');
    expect(all).not.toContain(secret);
    expect(all).not.toMatch(/uid=\d+/u);
  });

  it('every attempt left exactly one audit record', async () => {
    const count = async (client: typeof overHttp): Promise<number> => {
      let total = 0;
      let cursor: string | null = null;
      do {
        const page: { items: unknown[]; nextCursor: string | null } =
          await client.trpc.exec.list.query({ limit: 200, cursor });
        total += page.items.length;
        cursor = page.nextCursor;
      } while (cursor !== null);
      return total;
    };
    expect(attempts.http).toBeGreaterThanOrEqual(corpus.length);
    expect(await count(overHttp)).toBe(attempts.http);
    expect(await count(overTrpc)).toBe(attempts.trpc);
  });
});
