import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/** Encrypts token-cache blobs at rest (AES-256-GCM); the partition key is authenticated, so a blob cannot be moved to another partition. */
export interface CacheCipher {
  seal(plaintext: string, partition: string): string;
  /** The plaintext, or undefined for a blob that was altered, moved, or sealed with another secret. */
  open(sealed: string, partition: string): string | undefined;
}

const VERSION = 1;
const SALT = 'delta-gateway';
// Distinct from the cursor codec's label: the same CURSOR_SECRET never yields the same key twice.
const INFO = 'delta-gateway msal token cache v1';

export function createCacheCipher(secret: string): CacheCipher {
  if (secret.length < 32) throw new Error('createCacheCipher: the secret must have at least 32 characters.');
  const key = Buffer.from(hkdfSync('sha256', secret, SALT, INFO, 32));
  const aad = (partition: string) => Buffer.from(`v${VERSION}|${partition}`, 'utf8');
  return {
    seal(plaintext, partition) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(aad(partition));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]).toString('base64url');
    },
    open(sealed, partition) {
      const raw = Buffer.from(sealed, 'base64url');
      if (raw.length < 29 || raw[0] !== VERSION) return undefined;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(1, 13));
        decipher.setAAD(aad(partition));
        decipher.setAuthTag(raw.subarray(13, 29));
        return Buffer.concat([decipher.update(raw.subarray(29)), decipher.final()]).toString('utf8');
      } catch {
        return undefined;
      }
    },
  };
}
