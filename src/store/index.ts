export {
  createStore,
  isSqliteAvailable,
  redisClientOf,
  storeKind,
  StoreUnavailableError,
  type StoreKind,
  type StoreOptions,
} from './create-store.js';
export { READY, storeReadiness, type Readiness } from './readiness.js';
