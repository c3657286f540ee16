export {
  describeControlContract,
  describeCoordinationContract,
  describeExecutionStoreContract,
  describeLiveBusContract,
  sampleRecord,
  type StoreUnderTest,
} from './contracts.js';
