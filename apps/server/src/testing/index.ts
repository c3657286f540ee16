export { typedClient, type TypedClient } from './client.js';
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
