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
