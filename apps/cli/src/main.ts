import { inspect } from 'node:util';
import { Command, CommanderError, Option } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { auditListCommand, auditListOptionsSchema, auditVerifyCommand } from './commands/audit.js';
import { cancelCommand } from './commands/cancel.js';
import { fleetCommand, fleetOptionsSchema } from './commands/fleet.js';
import { followCommand, followOptionsSchema } from './commands/follow.js';
import { historyCommand, historyOptionsSchema } from './commands/history.js';
import { loginCommand, loginOptionsSchema, logoutCommand } from './commands/login.js';
import { runCommand, runOptionsSchema } from './commands/run.js';
import { targetsCommand, targetsOptionsSchema } from './commands/targets.js';
import { CliError, EXIT, describeError } from './errors.js';

/** Reports an error on one line (a stack trace only with OGENT_DEBUG=1) and sets the status. */
function fail(error: unknown): void {
  if (process.env.OGENT_DEBUG === '1') process.stderr.write(`${inspect(error)}\n`);
  process.stderr.write(`ogent: ${describeError(error)}\n`);
  process.exitCode = error instanceof CliError ? error.exitCode : 1;
}

function program(): Command {
  const ogent = new Command('ogent')
    .description('Run approved commands on your servers through Ogent.')
    .version(packageJson.version)
    .enablePositionalOptions()
    .showHelpAfterError('(ogent --help for usage)')
    .exitOverride()
    .addHelpText(
      'after',
      `
Environment:
  OGENT_URL     the server (overrides the one signed in to)
  OGENT_TOKEN   a token to use instead of the one saved by \`ogent login\`

Exit status of run -t and follow: the remote command's; 126 refused by the policy; 255 failed
(server unreachable, connection to the target lost, host key mismatch); 130 after Ctrl+C;
128+N killed by signal N; 124 timed out. Of run -s: 0 when every host succeeded, else 1.`,
    );
  const done = (status: number): void => {
    process.exitCode = status;
  };

  ogent
    .command('login')
    .description('sign in and save the token (mode 0600) under $XDG_CONFIG_HOME/ogent')
    .option('--url <url>', 'the server, e.g. https://ogent.example.com (default: OGENT_URL)')
    .option('-u, --username <name>', 'who to sign in as (asked for when not given)')
    .option('--password-stdin', 'read the password from stdin instead of asking for it')
    .action(async (options: unknown) =>
      done(await loginCommand(loginOptionsSchema.parse(options))),
    );

  ogent
    .command('logout')
    .description('end the session on the server and forget the saved token')
    .action(async () => done(await logoutCommand()));

  ogent
    .command('targets')
    .description('the targets you may use, with the commands allowed on each')
    .option('--json', 'print JSON')
    .action(async (options: unknown) =>
      done(await targetsCommand(targetsOptionsSchema.parse(options))),
    );

  ogent
    .command('run')
    .description('run a command on a target (-t), or on every target a selector matches (-s)')
    .usage(
      '-t TARGET [--json] -- COMMAND [ARGS...]\n       ogent run -s SELECTOR [-P N] [--max-failures N] [-b] [--log-dir DIR] -- COMMAND [ARGS...]',
    )
    .addOption(new Option('-t, --target <id>', 'the target to run on').conflicts('selector'))
    .option('--json', 'NDJSON events on stdout: output (base64), then the end (with -t)')
    .option('-s, --selector <selector>', 'a fleet run: role=web,env!=prod, name=web-*, * for all')
    .option('-P, --parallel <n>', 'hosts running at once (with -s)')
    .option('--max-failures <n>', 'stop starting hosts after this many failed (with -s)')
    .option('-b, --gather', 'hosts with the same output together, as clush -b (with -s)')
    .option('--log-dir <dir>', 'one file per host with its output, DIR/HOST.log (with -s)')
    .argument('<command...>', 'the command and its arguments, each one literal word')
    .passThroughOptions()
    .action(async (argv: string[], options: { selector?: unknown; target?: unknown }) => {
      if (options.selector !== undefined) {
        done(await fleetCommand(argv, fleetOptionsSchema.parse(options)));
      } else if (options.target !== undefined) {
        done(await runCommand(argv, runOptionsSchema.parse(options)));
      } else {
        throw new CliError('give a target (-t TARGET) or a selector (-s SELECTOR)', EXIT.usage);
      }
    });

  ogent
    .command('follow')
    .description("an execution's output, live or finished, and its exit status")
    .argument('<id>', 'the execution id')
    .option('--after <seq>', 'only the output after this seq', '0')
    .option('--json', 'NDJSON events on stdout')
    .action(async (id: string, options: unknown) =>
      done(await followCommand(id, followOptionsSchema.parse(options))),
    );

  ogent
    .command('history')
    .description('your executions, newest first')
    .option('-n, --limit <n>', 'how many', '20')
    .option('-t, --target <id>', 'on this target only')
    .option('--status <status>', 'with this status only (completed, failed, refused, ...)')
    .option('--user <name>', "this user's only (with a role that sees everyone's)")
    .option('--search <text>', 'whose command contains this text')
    .option(
      '--grep <text>',
      'whose command contains this text, or whose output has its words (the first 64 KiB by default)',
    )
    .option('--json', 'one JSON record per line')
    .action(async (options: unknown) =>
      done(await historyCommand(historyOptionsSchema.parse(options))),
    );

  const audit = ogent.command('audit').description('the audit trail (a role with `audit: true`)');
  audit
    .command('verify')
    .description(
      "check the audit trail's hash chain: exit 0 when whole, 1 at the first broken link",
    )
    .action(async () => done(await auditVerifyCommand()));
  audit
    .command('list')
    .description('audit events as JSON lines, oldest first')
    .option('--after <id>', 'only the events after this id (resume where a collector stopped)', '0')
    .option('-f, --follow', 'keep waiting for new events (Ctrl+C stops)')
    .action(async (options: unknown) =>
      done(await auditListCommand(auditListOptionsSchema.parse(options))),
    );

  ogent
    .command('cancel')
    .description('stop a running execution')
    .argument('<id>', 'the execution id')
    .action(async (id: string) => done(await cancelCommand(id)));

  return ogent;
}

process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

try {
  await program().parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and --version end here too, with status 0; usage errors are already printed.
    process.exitCode = error.exitCode === 0 ? 0 : EXIT.usage;
  } else {
    fail(error);
  }
}
