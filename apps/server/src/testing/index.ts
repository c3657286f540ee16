export { readCast, type Cast, type CastEvent } from './asciicast.js';
export { typedClient, type TypedClient } from './client.js';
export { PAUSE_MS, SHORTEST_GAP_MS, writePauseScript, type PauseScript } from './pause-script.js';
/** The single node's database, for tests that read or tamper with what a server stored. */
export { openDatabase } from '../storage/database.js';
export {
  EMIT_SCRIPT,
  TEST_USERS,
  startTestStack,
  testConfig,
  type TestStack,
  type TestStackOptions,
} from './stack.js';
export { freePort } from '@ogent/executor/testing';
export {
  startNginx,
  startPostgres,
  startRedis,
  type NginxFixture,
  type PostgresFixture,
  type RedisFixture,
} from './engines.js';
