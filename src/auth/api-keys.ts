import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiKeyEntry } from '../config/api-keys.js';

export type { ApiKeyEntry, AppCallerEntry } from '../config/api-keys.js';

export interface ApiKeyVerifier {
  /** The entry whose hash matches `key`, compared in constant time; undefined when none does. */
  verify(key: string): ApiKeyEntry | undefined;
}

export function createApiKeyVerifier(entries: readonly ApiKeyEntry[]): ApiKeyVerifier {
  const hashes = entries.map((entry) => ({ entry, digest: Buffer.from(entry.sha256, 'hex') }));
  return {
    verify(key) {
      const digest = createHash('sha256').update(key, 'utf8').digest();
      let found: ApiKeyEntry | undefined;
      // Every entry is compared, so the time taken says nothing about which one matched.
      for (const { entry, digest: expected } of hashes) {
        if (timingSafeEqual(digest, expected) && found === undefined) found = entry;
      }
      return found;
    },
  };
}

/** Whether `userId` is one of `mailboxes` (undefined = any), ignoring case. */
export function mailboxAllowed(mailboxes: readonly string[] | undefined, userId: string): boolean {
  if (mailboxes === undefined) return true;
  const wanted = userId.toLowerCase();
  return mailboxes.some((mailbox) => mailbox.toLowerCase() === wanted);
}
