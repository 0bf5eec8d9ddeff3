import { createHash } from 'node:crypto';
import type { ICachePlugin, TokenCacheContext } from '@azure/msal-node';
import type { Keyv } from 'keyv';
import type { Logger } from 'pino';
import type { CacheCipher } from './cache-cipher.js';

export interface KeyvCachePluginOptions {
  store: Keyv;
  cipher: CacheCipher;
  /**
   * Whose tokens these are: `clientId.tenantId` for app-only, the user (`obo.tid.oid`) for on-behalf-of.
   * One blob per partition, so callers never read each other's tokens and blobs stay small.
   */
  partition: string;
  /**
   * The scope the gateway requests (`https://<graph host>/.default`). Entra answers a `.default`
   * request with the permissions it granted, and MSAL looks cached tokens up by the requested
   * scopes: stored tokens also carry the requested scope, or no later lookup would hit.
   */
  requestedScope?: string | undefined;
  /** Lifetime of a partition's blob after its last write. @default 86400000 (24 h) */
  ttlMs?: number;
  logger?: Logger | undefined;
}

interface SerializedToken {
  expires_on?: string;
  target?: string;
}

interface SerializedCache {
  AccessToken?: Record<string, SerializedToken>;
  RefreshToken?: Record<string, unknown>;
  [section: string]: unknown;
}

/** The Keyv key of a partition (hashed: store keys need not reveal user ids). */
export function tokenCacheKey(partition: string): string {
  return `msal-cache:${createHash('sha256').update(partition).digest('base64url')}`;
}

/** Drops expired access tokens and refresh tokens (on-behalf-of never uses them), adds the requested scope to cached targets. */
function tidy(json: string, requestedScope: string | undefined, nowSeconds: number): string {
  const cache = JSON.parse(json) as SerializedCache;
  const scope = requestedScope?.toLowerCase();
  const resource = scope?.replace(/\/\.default$/, '/');
  for (const [key, token] of Object.entries(cache.AccessToken ?? {})) {
    if (Number(token.expires_on ?? 0) <= nowSeconds) {
      delete cache.AccessToken?.[key];
      continue;
    }
    if (scope === undefined || resource === undefined || token.target === undefined) continue;
    const targets = token.target.toLowerCase().split(' ');
    // MSAL matches the cache key's text first, then the entity: both get the requested scope.
    const target = token.target.toLowerCase();
    if (!targets.includes(scope) && targets.some((t) => t.startsWith(resource)) && key.includes(`-${target}-`)) {
      delete cache.AccessToken?.[key];
      cache.AccessToken = { ...cache.AccessToken, [key.replace(`-${target}-`, `-${target} ${scope}-`)]: { ...token, target: `${token.target} ${requestedScope}` } };
    }
  }
  cache.RefreshToken = {};
  return JSON.stringify(cache);
}

/**
 * An MSAL `ICachePlugin` keeping one partition's token cache in Keyv, encrypted. Unlike MSAL's
 * DistributedCachePlugin it also writes app-only tokens (which have no account). Used with one
 * client application per acquisition, so partitions never mix in MSAL's in-memory cache.
 */
export function createKeyvCachePlugin(options: KeyvCachePluginOptions): ICachePlugin {
  const { store, cipher, partition, requestedScope, ttlMs = 86_400_000, logger } = options;
  const key = tokenCacheKey(partition);
  return {
    async beforeCacheAccess(context: TokenCacheContext) {
      const sealed: unknown = await store.get(key);
      if (typeof sealed !== 'string') return;
      const json = cipher.open(sealed, partition);
      if (json === undefined) {
        logger?.warn('cached tokens could not be decrypted (TOKEN_CACHE_SECRET changed?); acquiring new ones');
        return;
      }
      context.tokenCache.deserialize(json);
    },
    async afterCacheAccess(context: TokenCacheContext) {
      if (!context.cacheHasChanged) return;
      const json = tidy(context.tokenCache.serialize(), requestedScope, Math.floor(Date.now() / 1000));
      await store.set(key, cipher.seal(json, partition), ttlMs);
    },
  };
}
