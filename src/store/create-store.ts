import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import KeyvRedis, { createKeyv as createRedisKeyv, type RedisClientConnectionType } from '@keyv/redis';
import { Keyv, type KeyvStoreAdapter } from 'keyv';
import { createLogger, type Logger } from '../log.js';
import { ExpiringMap } from './expiring-map.js';

export type StoreKind = 'memory' | 'sqlite' | 'redis';

export interface StoreOptions {
  /** Key namespace: stores with different namespaces never see each other's keys. @default 'keyv' (Keyv's) */
  namespace?: string;
  /** Where store errors (e.g. a Redis outage, which Keyv otherwise reports as cache misses) are logged. @default a 'warn' logger on stdout */
  logger?: Logger;
  /** `memory://` only: how often expired entries are dropped. @default 60000 */
  sweepIntervalMs?: number;
}

/** Thrown at start-up when STORE_URL names a backend this build cannot provide. */
export class StoreUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreUnavailableError';
  }
}

/** Which backend a STORE_URL selects; throws for any other scheme. */
export function storeKind(url: string): StoreKind {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'memory') return 'memory';
  if (scheme === 'sqlite') return 'sqlite';
  if (scheme === 'redis' || scheme === 'rediss') return 'redis';
  throw new StoreUnavailableError('STORE_URL must be memory://, sqlite://<path> or redis://host:port.');
}

type SqliteAdapterClass = new (options: { uri: string; busyTimeout?: number }) => KeyvStoreAdapter;

// @keyv/sqlite is an optional dependency (native sqlite3): loaded only when asked for, so a
// machine where it did not build still runs memory:// and redis://.
let sqliteAdapter: SqliteAdapterClass | null | undefined;
function loadSqliteAdapter(): SqliteAdapterClass | null {
  if (sqliteAdapter === undefined) {
    try {
      const module = createRequire(import.meta.url)('@keyv/sqlite') as { KeyvSqlite: SqliteAdapterClass };
      sqliteAdapter = module.KeyvSqlite;
    } catch {
      sqliteAdapter = null;
    }
  }
  return sqliteAdapter;
}

/** Whether `sqlite://` stores work in this build (the optional native module installed). */
export function isSqliteAvailable(): boolean {
  return loadSqliteAdapter() !== null;
}

/**
 * A Keyv store for `STORE_URL`: `memory://` (this instance only), `sqlite://<path>` (one file,
 * one host) or `redis://host:port` / `rediss://…` (shared by every gateway instance).
 * Errors are logged, throttled, instead of passing silently.
 */
export function createStore(url: string, options: StoreOptions = {}): Keyv {
  const { namespace } = options;
  const kind = storeKind(url);
  let store: Keyv;
  if (kind === 'memory') {
    // Keyv's default Map keeps an expired entry until it is read: this one drops it within a minute.
    const map = new ExpiringMap(options.sweepIntervalMs);
    store = new Keyv({ store: map, ...(namespace === undefined ? {} : { namespace }) });
  } else if (kind === 'redis') {
    store = createRedisKeyv(redisClientOptions(url), { connectionTimeout: REDIS_CONNECT_TIMEOUT_MS, ...(namespace === undefined ? {} : { namespace }) });
    connectAtOnce(store);
  } else {
    const Adapter = loadSqliteAdapter();
    if (Adapter === null) {
      throw new StoreUnavailableError(
        'STORE_URL sqlite:// is not supported in this build: the optional @keyv/sqlite (native sqlite3) is not installed. Use memory:// or redis://host:port.',
      );
    }
    const path = url.replace(/^sqlite:\/\//i, '');
    if (path === '') throw new StoreUnavailableError('STORE_URL sqlite:// needs a file path, e.g. sqlite://./data/store.db.');
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    store = new Keyv({ store: new Adapter({ uri: `sqlite://${path}`, busyTimeout: 5000 }), ...(namespace === undefined ? {} : { namespace }) });
  }
  logErrors(store, options.logger ?? createLogger('warn'), { store: kind, namespace });
  return store;
}

// Redis down must not hang requests: commands fail at once while disconnected (no offline
// queue, once first connected), and a connection attempt gives up after a few quick retries; the
// next command (or readiness probe) tries again, so the store heals by itself when Redis is back.
const REDIS_CONNECT_TIMEOUT_MS = 3000;
const REDIS_RECONNECT_ATTEMPTS = 3;

function redisClientOptions(url: string) {
  return {
    url,
    // Queued until the first connection is ready (start-up's commands wait instead of failing); see connectAtOnce.
    disableOfflineQueue: false,
    socket: {
      connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
      reconnectStrategy: (retries: number, cause: Error) => (retries >= REDIS_RECONNECT_ATTEMPTS ? cause : Math.min(100 * 2 ** retries, 1000)),
    },
  };
}

/** Connects at start-up rather than on the first command; from the first `ready` on, commands fail fast while disconnected. */
function connectAtOnce(store: Keyv): void {
  const adapter = store.store as KeyvRedis<unknown>;
  adapter.client.once('ready', () => {
    const { options } = adapter.client as { options?: { disableOfflineQueue?: boolean } };
    if (options) options.disableOfflineQueue = true;
  });
  // A failure is reported through the store's 'error' event (logged below) and retried by the next command.
  adapter.getClient().catch(() => undefined);
}

/** The raw Redis client behind a redis:// store (for what Keyv lacks, e.g. `SET NX PX` locks), else undefined. */
export function redisClientOf(store: Keyv): RedisClientConnectionType | undefined {
  const adapter: unknown = store.store;
  return adapter instanceof KeyvRedis ? adapter.client : undefined;
}

// A Redis outage emits an error per command and per reconnect attempt: log the first at once,
// then at most one line per window with the number of errors it stands for.
const ERROR_LOG_WINDOW_MS = 10_000;

function logErrors(store: Keyv, logger: Logger, fields: { store: StoreKind; namespace: string | undefined }): void {
  let windowStart = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  store.on('error', (error: unknown) => {
    const now = Date.now();
    if (now - windowStart < ERROR_LOG_WINDOW_MS) {
      suppressed += 1;
      return;
    }
    const err = error instanceof Error ? error : new Error(String(error));
    logger.error({ ...fields, err, ...(suppressed > 0 ? { suppressedErrors: suppressed } : {}) }, 'store error: reads may look like misses until it recovers');
    windowStart = now;
    suppressed = 0;
  });
}
