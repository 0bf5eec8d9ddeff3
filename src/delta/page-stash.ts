import { randomUUID } from 'node:crypto';
import type { Keyv } from 'keyv';
import { gatewayError } from '../errors.js';
import type { PageEnd } from './delta-page.js';
import type { GraphItem } from './round.js';

/** The unreturned rest of a page that Graph cannot serve again, from item index `from` on. */
export interface StashedPage {
  from: number;
  items: GraphItem[];
  end: PageEnd;
}

/** One hour: long enough to page through a round, short enough not to pile up. */
export const DEFAULT_STASH_TTL_MS = 60 * 60 * 1000;
const PREFIX = 'delta-page:';

export interface PageStash {
  put(page: StashedPage): Promise<string>;
  get(key: string): Promise<StashedPage>;
}

export function createPageStash(store: Keyv, ttlMs = DEFAULT_STASH_TTL_MS): PageStash {
  return {
    async put(page) {
      const key = randomUUID();
      await store.set(PREFIX + key, page, ttlMs);
      return key;
    },
    async get(key) {
      const page = (await store.get(PREFIX + key)) as StashedPage | undefined;
      if (page === undefined || page === null) {
        throw gatewayError(
          'RESYNC_REQUIRED',
          'The page this cursor points into is no longer kept (cursors inside a round’s first page expire after an hour); start a new round without `after`.',
        );
      }
      return page;
    },
  };
}
