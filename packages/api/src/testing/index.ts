export {
  describeControlContract,
  describeCoordinationContract,
  describeExecutionStoreContract,
  describeLiveBusContract,
  describeSigningKeyStoreContract,
  sampleRecord,
  type StoreUnderTest,
} from './contracts.js';
