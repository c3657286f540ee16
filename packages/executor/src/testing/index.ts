export { fleetAddress, startSshdFleet, type SshdFleet, type SshdFleetOptions } from './fleet.js';
export { pgrep, pkill } from './processes.js';
export {
  SSHD_PATH,
  TEST_USER,
  ensureTestUser,
  freePort,
  startSshd,
  type SshdFixture,
  type SshdOptions,
} from './sshd.js';
export {
  CANARY_TEXT,
  makePathFixture,
  type PathFixture,
  type PathOutcome,
} from './path-fixture.js';
