import type { ConfigInput } from './schema.js';

/** Paths and names that read-only commands on the local host may look at. */
const SAFE_PATH = '[A-Za-z0-9._/@+:-]+';
const LOGS = ['/var/log'];

/**
 * What `npm start` runs with no config file: the server's own host as the one target, a set of
 * read-only commands, and one `admin` user (password from OGENT_ADMIN_PASSWORD, or generated and
 * printed once at first start).
 */
export const DEFAULT_CONFIG: ConfigInput = {
  server: { host: '127.0.0.1', port: 3000, dataDir: './data' },
  roles: {
    admin: {
      commands: ['*'],
      targets: ['*'],
      viewAll: true,
      cancelAll: true,
      audit: true,
      manageUsers: true,
    },
  },
  targets: [{ id: 'local', transport: 'local', label: 'This server' }],
  commands: {
    ls: {
      path: '/bin/ls',
      description: 'List a directory',
      options: ['-l', '-a', '-h', '-t', '-r', '-S', '-1', '-d', '--color=always'],
      bundle: true,
      args: { max: 8, pattern: SAFE_PATH },
      endOfOptions: true,
    },
    cat: {
      path: '/bin/cat',
      description: 'Print a log file',
      args: { min: 1, max: 4, pathPrefix: [...LOGS, '/etc/os-release', '/etc/hostname'] },
      endOfOptions: true,
    },
    tail: {
      path: '/usr/bin/tail',
      description: 'Last lines of a log file',
      options: [{ name: '-n', value: { integer: { min: 1, max: 100_000 } } }],
      args: { min: 1, max: 4, pathPrefix: LOGS },
      endOfOptions: true,
    },
    head: {
      path: '/usr/bin/head',
      description: 'First lines of a log file',
      options: [{ name: '-n', value: { integer: { min: 1, max: 100_000 } } }],
      args: { min: 1, max: 4, pathPrefix: LOGS },
      endOfOptions: true,
    },
    find: {
      path: '/usr/bin/find',
      description: 'Find files under /var/log',
      options: [
        { name: '-name', value: { pattern: '[A-Za-z0-9._*?-]+' } },
        { name: '-type', value: { enum: ['f', 'd', 'l'] } },
        { name: '-maxdepth', value: { integer: { min: 0, max: 10 } } },
      ],
      // At least one operand: with none, find would search the current directory.
      args: { min: 1, max: 1, pathPrefix: LOGS },
      // find reads its operands (where to look) before its expression, so no `--` between.
      endOfOptions: false,
    },
    du: {
      path: '/usr/bin/du',
      description: 'Disk usage under /var/log',
      options: ['-s', '-h', '-sh'],
      args: { min: 1, max: 4, pathPrefix: LOGS },
      endOfOptions: true,
    },
    df: { path: '/bin/df', description: 'Free disk space', options: ['-h', '-T', '-i', '-hT'] },
    free: { path: '/usr/bin/free', description: 'Memory use', options: ['-h', '-m', '-g'] },
    uptime: { path: '/usr/bin/uptime', description: 'Load and uptime', options: ['-p'] },
    uname: {
      path: '/bin/uname',
      description: 'System information',
      options: ['-a', '-r', '-s', '-m', '-n'],
    },
    hostname: { path: '/bin/hostname', description: 'Host name' },
    whoami: { path: '/usr/bin/whoami', description: 'Current user' },
    id: { path: '/usr/bin/id', description: 'User and groups' },
    date: { path: '/bin/date', description: 'Date and time', options: ['-u', '-R', '-I'] },
    ps: { path: '/bin/ps', description: 'Processes', options: ['-e', '-f', '-ef', '-eF'] },
    echo: {
      path: '/bin/echo',
      description: 'Print its arguments',
      args: { max: 32 },
      // /bin/echo prints `--` as a word: operands starting with - are refused instead.
      endOfOptions: false,
    },
    sleep: {
      path: '/bin/sleep',
      description: 'Wait N seconds',
      args: { min: 1, max: 1, integer: { min: 0, max: 3600 } },
    },
    seq: {
      path: '/usr/bin/seq',
      description: 'Print numbers',
      // Non-negative: `-5` would be read as an option (and refused as one).
      args: { min: 1, max: 3, integer: { min: 0, max: 1_000_000_000 } },
    },
  },
};
