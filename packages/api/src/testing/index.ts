export {
  describeAuditStoreContract,
  describeControlContract,
  describeCoordinationContract,
  describeExecutionStoreContract,
  describeLiveBusContract,
  describeRunStoreContract,
  describeSigningKeyStoreContract,
  sampleRecord,
  sampleRun,
  type StoreUnderTest,
} from './contracts.js';
export { describeOutputSearchContract, type SearchUnderTest } from './search-contract.js';
export { describeRunFeedContract } from './run-feed-contract.js';
// Stores that keep everything in memory: for tests of the services, never a deployment's backend.
export { MemoryAuditStore } from '../single-node/memory-audit.js';
export { MemoryRunStore } from '../single-node/memory-runs.js';
export { MemorySessionStore } from '../single-node/memory-sessions.js';
export { MemoryExecutionStore } from '../single-node/memory-store.js';
