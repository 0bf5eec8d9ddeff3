import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { gatewayError } from '../errors.js';

/** Seals and opens cursors: opaque, URL-safe, encrypted and bound to a caller + field. */
export interface CursorCodec {
  /**
   * Seals a JSON-serialisable payload. `binding` (principal + resource + …) is authenticated
   * as AES-GCM additional data but not stored: the same binding must be given to `open`.
   * Throws a plain Error (an internal bug) if the payload cannot be serialised or the
   * cursor would exceed {@link MAX_CURSOR_LENGTH}.
   */
  seal(payload: unknown, binding: string): string;
  /** Opens a cursor sealed under `binding`; anything wrong throws `gatewayError('INVALID_CURSOR', …)`. */
  open(cursor: string, binding: string): unknown;
}

/** Contract §4: cursors are at most 4 KiB. */
export const MAX_CURSOR_LENGTH = 4096;
/** Each secret in the rotation list must be at least this long. */
export const MIN_SECRET_LENGTH = 32;

// Wire format (then base64url): version(1) | keyId(4) | iv(12) | ciphertext(≥1) | tag(16).
// Version 2 encrypts the JSON as it is. Version 1 deflated it first; it still opens, but a payload
// that is mostly Graph's random skip token barely compresses, and deflate was most of a seal's cost
// (a page of 100 edges seals 101 cursors).
const VERSION = 2;
const DEFLATED_VERSION = 1;
const KEY_ID_LENGTH = 4;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;
const HEADER_LENGTH = 1 + KEY_ID_LENGTH + IV_LENGTH;
const MIN_BYTES = HEADER_LENGTH + 1 + TAG_LENGTH;
// A sealed payload is < 4 KiB; this only bounds what inflating a version-1 cursor may allocate.
const MAX_INFLATED_BYTES = 1024 * 1024;
// IVs are cut from a pool of CSPRNG bytes (as Node's randomUUID pools its entropy): one
// randomBytes call per 256 seals instead of one per seal, which cost as much as the JSON. Each
// 12-byte slice is used once; a spent pool is replaced, never refilled in place.
const IV_POOL_LENGTH = IV_LENGTH * 256;
const HKDF_SALT = 'delta-gateway/cursor';
const HKDF_INFO = 'delta-gateway cursor key v1';
const BASE64URL = /^[A-Za-z0-9_-]+$/;

interface CursorKey {
  id: Buffer;
  key: Buffer;
}

// Two messages only: "malformed" vs "not for you / altered". Neither says which check failed.
const malformed = () => gatewayError('INVALID_CURSOR', 'The cursor is not valid: it is malformed.');
const rejected = () =>
  gatewayError('INVALID_CURSOR', 'The cursor is not valid for this field or caller (or it was altered); start a new round without `after`.');

function deriveKey(secret: string): CursorKey {
  const key = Buffer.from(hkdfSync('sha256', secret, HKDF_SALT, HKDF_INFO, 32));
  const id = createHash('sha256').update(key).digest().subarray(0, KEY_ID_LENGTH);
  return { id, key };
}

function additionalData(header: Buffer, binding: string): Buffer {
  // The version and key id are authenticated too, so neither can be swapped.
  return Buffer.concat([header.subarray(0, 1 + KEY_ID_LENGTH), Buffer.from(binding, 'utf8')]);
}

/**
 * Creates a cursor codec. `secrets[0]` seals; every secret opens (rotation: list the new secret
 * first and keep the old one until its cursors no longer matter).
 */
export function createCursorCodec(secrets: readonly string[]): CursorCodec {
  if (secrets.length === 0) throw new Error('createCursorCodec: at least one cursor secret is required.');
  secrets.forEach((secret, index) => {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
      throw new Error(`createCursorCodec: cursor secret #${index + 1} must be a string of at least ${MIN_SECRET_LENGTH} characters.`);
    }
  });
  const keys = [...new Set(secrets)].map(deriveKey);
  const sealing = keys[0] as CursorKey;
  // Key ids are 32 bits: a collision is improbable but harmless, open tries every match.
  const byId = new Map<string, CursorKey[]>();
  for (const key of keys) {
    const hex = key.id.toString('hex');
    byId.set(hex, [...(byId.get(hex) ?? []), key]);
  }

  let ivPool = Buffer.alloc(0);
  let ivAt = 0;
  const nextIv = (): Buffer => {
    if (ivAt + IV_LENGTH > ivPool.length) {
      ivPool = randomBytes(IV_POOL_LENGTH);
      ivAt = 0;
    }
    ivAt += IV_LENGTH;
    return ivPool.subarray(ivAt - IV_LENGTH, ivAt);
  };
  // A page seals up to 1,001 cursors for one caller: keep the last binding's additional data.
  let sealedFor: { binding: string; aad: Buffer } | undefined;
  const sealingData = (header: Buffer, binding: string): Buffer => {
    if (sealedFor?.binding !== binding) sealedFor = { binding, aad: additionalData(header, binding) };
    return sealedFor.aad;
  };

  return {
    seal(payload, binding) {
      const json = JSON.stringify(payload);
      if (json === undefined) throw new Error('Cursor payload is not JSON-serialisable.');
      const plain = Buffer.from(json, 'utf8');
      // One buffer for the whole cursor: header, then the ciphertext (GCM's is as long as the plaintext), then the tag.
      const bytes = Buffer.allocUnsafe(HEADER_LENGTH + plain.length + TAG_LENGTH);
      bytes[0] = VERSION;
      sealing.id.copy(bytes, 1);
      const iv = bytes.subarray(1 + KEY_ID_LENGTH, HEADER_LENGTH);
      nextIv().copy(iv);
      const cipher = createCipheriv('aes-256-gcm', sealing.key, iv, { authTagLength: TAG_LENGTH });
      cipher.setAAD(sealingData(bytes, binding));
      const written = cipher.update(plain).copy(bytes, HEADER_LENGTH) + cipher.final().copy(bytes, HEADER_LENGTH + plain.length);
      if (written !== plain.length) throw new Error('Cursor ciphertext length differs from the plaintext.');
      cipher.getAuthTag().copy(bytes, HEADER_LENGTH + plain.length);
      const cursor = bytes.toString('base64url');
      if (cursor.length > MAX_CURSOR_LENGTH) {
        throw new Error(`Sealed cursor is ${cursor.length} characters, over the ${MAX_CURSOR_LENGTH} limit.`);
      }
      return cursor;
    },

    open(cursor, binding) {
      if (typeof cursor !== 'string' || cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor)) throw malformed();
      const bytes = Buffer.from(cursor, 'base64url');
      // Only the canonical encoding is accepted, so no two strings open to the same cursor.
      if (bytes.length < MIN_BYTES || bytes.toString('base64url') !== cursor) throw malformed();
      const version = bytes[0];
      if (version !== VERSION && version !== DEFLATED_VERSION) throw malformed();
      const header = bytes.subarray(0, HEADER_LENGTH);
      const candidates = byId.get(bytes.subarray(1, 1 + KEY_ID_LENGTH).toString('hex'));
      if (candidates === undefined) throw rejected();
      const iv = bytes.subarray(1 + KEY_ID_LENGTH, HEADER_LENGTH);
      const body = bytes.subarray(HEADER_LENGTH, bytes.length - TAG_LENGTH);
      const tag = bytes.subarray(bytes.length - TAG_LENGTH);
      for (const { key } of candidates) {
        let plain: Buffer;
        try {
          const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_LENGTH });
          decipher.setAAD(additionalData(header, binding));
          decipher.setAuthTag(tag);
          plain = Buffer.concat([decipher.update(body), decipher.final()]);
        } catch {
          continue;
        }
        try {
          const json = version === DEFLATED_VERSION ? inflateRawSync(plain, { maxOutputLength: MAX_INFLATED_BYTES }) : plain;
          return JSON.parse(json.toString('utf8')) as unknown;
        } catch (cause) {
          // Authentic but unreadable: only a bug of ours gets here; still the caller's INVALID_CURSOR.
          throw gatewayError('INVALID_CURSOR', 'The cursor is not valid: it is malformed.', { cause });
        }
      }
      throw rejected();
    },
  };
}
