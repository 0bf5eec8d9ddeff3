import { createCipheriv, createDecipheriv, createHash, hash, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
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
  /** Opens a cursor sealed by `seal` under `binding`; anything wrong throws `gatewayError('INVALID_CURSOR', …)`. */
  open(cursor: string, binding: string): unknown;
  /**
   * Seals the part that all positions of one page share (link, round options) once; `at(offset)` then
   * makes each position's cursor: that sealed part plus the offset under a keyed tag (one HMAC, no cipher).
   * The binding is authenticated by both. Throws a plain Error as `seal` does.
   */
  sealPage(payload: unknown, binding: string): PageSeal;
  /** Opens either kind of cursor: `offset` is set for one made by a {@link PageSeal}, undefined for `seal`'s. */
  openPage(cursor: string, binding: string): OpenedCursor;
}

export interface PageSeal {
  /** The cursor of the position `offset` (0 ≤ offset < 2³²) of the sealed page. */
  at(offset: number): string;
}

export interface OpenedCursor {
  payload: unknown;
  offset: number | undefined;
}

/** Contract §4: cursors are at most 4 KiB. */
export const MAX_CURSOR_LENGTH = 4096;
/** Each secret in the rotation list must be at least this long. */
export const MIN_SECRET_LENGTH = 32;

// Wire format (then base64url): version(1) | keyId(4) | iv(12) | ciphertext(≥1) | tag(16).
// Version 2 encrypts the JSON as it is. Version 1 deflated it first; it still opens, but a payload
// that is mostly Graph's random skip token barely compresses, and deflate was most of a seal's cost
// (a page of 100 edges seals 101 cursors).
//
// Version 3 (page cursors): version(1) | offset(4, big-endian) | tag(16) | sealed page part, where the page
// part is keyId(4) | iv(12) | ciphertext | tag(16) as above (AES-256-GCM, additional data: version 3, key id
// and binding) and the edge tag is HMAC-SHA256 under a second key from the same secret (HKDF, its own label)
// over version, offset and a digest of page part and binding, truncated to 128 bits. A page's edges share
// the page part: one cipher per page, one keyed hash per edge. The 21-byte head is a multiple of 3, so the
// page part's base64url is computed once and each cursor is its own 28 characters followed by it. The offset
// is the one thing in clear: the edge's index in Graph's page, which the client sees anyway.
const VERSION = 2;
const DEFLATED_VERSION = 1;
const PAGE_VERSION = 3;
const OFFSET_LENGTH = 4;
const EDGE_TAG_LENGTH = 16;
const PAGE_HEAD_LENGTH = 1 + OFFSET_LENGTH + EDGE_TAG_LENGTH;
const MAX_OFFSET = 0xffffffff;
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
const HKDF_MAC_INFO = 'delta-gateway cursor edge tag key v3';
const SHA256_BLOCK = 64;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

interface CursorKey {
  id: Buffer;
  key: Buffer;
  /** HMAC-SHA256 of the edge tags: the key xor ipad / opad (RFC 2104), so a tag is two one-shot hashes. */
  macInner: Buffer;
  macOuter: Buffer;
}

// Two messages only: "malformed" vs "not for you / altered". Neither says which check failed.
const malformed = () => gatewayError('INVALID_CURSOR', 'The cursor is not valid: it is malformed.');
const rejected = () =>
  gatewayError('INVALID_CURSOR', 'The cursor is not valid for this field or caller (or it was altered); start a new round without `after`.');

function deriveKey(secret: string): CursorKey {
  const key = Buffer.from(hkdfSync('sha256', secret, HKDF_SALT, HKDF_INFO, 32));
  const id = createHash('sha256').update(key).digest().subarray(0, KEY_ID_LENGTH);
  const mac = Buffer.from(hkdfSync('sha256', secret, HKDF_SALT, HKDF_MAC_INFO, 32));
  const macInner = Buffer.alloc(SHA256_BLOCK, 0x36);
  const macOuter = Buffer.alloc(SHA256_BLOCK, 0x5c);
  for (let i = 0; i < mac.length; i += 1) {
    macInner[i] = (macInner[i] as number) ^ (mac[i] as number);
    macOuter[i] = (macOuter[i] as number) ^ (mac[i] as number);
  }
  return { id, key, macInner, macOuter };
}

/** sha256(page part | 0 | binding): what every edge tag of a page covers besides version and offset. */
function pageDigest(page: Buffer, binding: string): Buffer {
  return hash('sha256', Buffer.concat([page, Buffer.from([0]), Buffer.from(binding, 'utf8')]), 'buffer');
}

/**
 * Computes edge tags of one page: HMAC-SHA256(macKey, version | offset | digest), truncated. Written out as
 * RFC 2104's two hashes over preallocated buffers (createHmac costs a crypto object per call); the tests
 * check it against createHmac.
 */
function edgeTagger(key: CursorKey, digest: Buffer): (offset: number) => Buffer {
  const inner = Buffer.allocUnsafe(SHA256_BLOCK + 1 + OFFSET_LENGTH + digest.length);
  key.macInner.copy(inner, 0);
  inner[SHA256_BLOCK] = PAGE_VERSION;
  digest.copy(inner, SHA256_BLOCK + 1 + OFFSET_LENGTH);
  const outer = Buffer.allocUnsafe(SHA256_BLOCK + 32);
  key.macOuter.copy(outer, 0);
  return (offset) => {
    inner.writeUInt32BE(offset, SHA256_BLOCK + 1);
    hash('sha256', inner, 'buffer').copy(outer, SHA256_BLOCK);
    return hash('sha256', outer, 'buffer').subarray(0, EDGE_TAG_LENGTH);
  };
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

  /**
   * AES-256-GCM over the payload's JSON: version | keyId | iv | ciphertext | tag in one buffer. Version 2
   * is a cursor by itself; version 3's is the page part (the version byte then stands for the edge head
   * and is not part of the page part, but it is authenticated).
   */
  const sealBytes = (version: number, payload: unknown, binding: string): Buffer => {
    const json = JSON.stringify(payload);
    if (json === undefined) throw new Error('Cursor payload is not JSON-serialisable.');
    const plain = Buffer.from(json, 'utf8');
    // One buffer for the whole cursor: header, then the ciphertext (GCM's is as long as the plaintext), then the tag.
    const bytes = Buffer.allocUnsafe(HEADER_LENGTH + plain.length + TAG_LENGTH);
    bytes[0] = version;
    sealing.id.copy(bytes, 1);
    const iv = bytes.subarray(1 + KEY_ID_LENGTH, HEADER_LENGTH);
    nextIv().copy(iv);
    const cipher = createCipheriv('aes-256-gcm', sealing.key, iv, { authTagLength: TAG_LENGTH });
    cipher.setAAD(version === VERSION ? sealingData(bytes, binding) : additionalData(bytes, binding));
    const written = cipher.update(plain).copy(bytes, HEADER_LENGTH) + cipher.final().copy(bytes, HEADER_LENGTH + plain.length);
    if (written !== plain.length) throw new Error('Cursor ciphertext length differs from the plaintext.');
    cipher.getAuthTag().copy(bytes, HEADER_LENGTH + plain.length);
    return bytes;
  };
  const checkLength = (length: number) => {
    if (length > MAX_CURSOR_LENGTH) throw new Error(`Sealed cursor is ${length} characters, over the ${MAX_CURSOR_LENGTH} limit.`);
  };

  /** The GCM part: `header` is version | keyId | iv (the version is the cursor's, authenticated as AAD). */
  const decrypt = (key: CursorKey, header: Buffer, body: Buffer, tag: Buffer, binding: string): Buffer | undefined => {
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.key, header.subarray(1 + KEY_ID_LENGTH, HEADER_LENGTH), { authTagLength: TAG_LENGTH });
      decipher.setAAD(additionalData(header, binding));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]);
    } catch {
      return undefined;
    }
  };
  const parse = (version: number, plain: Buffer): unknown => {
    try {
      const json = version === DEFLATED_VERSION ? inflateRawSync(plain, { maxOutputLength: MAX_INFLATED_BYTES }) : plain;
      return JSON.parse(json.toString('utf8')) as unknown;
    } catch (cause) {
      // Authentic but unreadable: only a bug of ours gets here; still the caller's INVALID_CURSOR.
      throw gatewayError('INVALID_CURSOR', 'The cursor is not valid: it is malformed.', { cause });
    }
  };

  function openPage(cursor: string, binding: string): OpenedCursor {
    if (typeof cursor !== 'string' || cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor)) throw malformed();
    const bytes = Buffer.from(cursor, 'base64url');
    // Only the canonical encoding is accepted, so no two strings open to the same cursor.
    if (bytes.length < MIN_BYTES || bytes.toString('base64url') !== cursor) throw malformed();
    const version = bytes[0];
    if (version === VERSION || version === DEFLATED_VERSION) {
      const header = bytes.subarray(0, HEADER_LENGTH);
      const candidates = byId.get(bytes.subarray(1, 1 + KEY_ID_LENGTH).toString('hex'));
      if (candidates === undefined) throw rejected();
      const body = bytes.subarray(HEADER_LENGTH, bytes.length - TAG_LENGTH);
      const tag = bytes.subarray(bytes.length - TAG_LENGTH);
      for (const key of candidates) {
        const plain = decrypt(key, header, body, tag, binding);
        if (plain !== undefined) return { payload: parse(version, plain), offset: undefined };
      }
      throw rejected();
    }
    if (version !== PAGE_VERSION || bytes.length < PAGE_HEAD_LENGTH + MIN_BYTES - 1) throw malformed();
    const offset = bytes.readUInt32BE(1);
    const edgeTag = bytes.subarray(1 + OFFSET_LENGTH, PAGE_HEAD_LENGTH);
    const page = bytes.subarray(PAGE_HEAD_LENGTH);
    const candidates = byId.get(page.subarray(0, KEY_ID_LENGTH).toString('hex'));
    if (candidates === undefined) throw rejected();
    // The GCM header of the page part: the cursor's version, then the page part's key id and iv.
    const header = Buffer.concat([bytes.subarray(0, 1), page.subarray(0, KEY_ID_LENGTH + IV_LENGTH)]);
    const body = page.subarray(KEY_ID_LENGTH + IV_LENGTH, page.length - TAG_LENGTH);
    const tag = page.subarray(page.length - TAG_LENGTH);
    const digest = pageDigest(page, binding);
    for (const key of candidates) {
      // The edge tag first (cheap, and it covers the offset), then the page part's own authentication.
      if (!timingSafeEqual(edgeTagger(key, digest)(offset), edgeTag)) continue;
      const plain = decrypt(key, header, body, tag, binding);
      if (plain !== undefined) return { payload: parse(version, plain), offset };
    }
    throw rejected();
  }

  return {
    seal(payload, binding) {
      const cursor = sealBytes(VERSION, payload, binding).toString('base64url');
      checkLength(cursor.length);
      return cursor;
    },

    open(cursor, binding) {
      const opened = openPage(cursor, binding);
      // A page cursor means nothing without its offset: only openPage opens it.
      if (opened.offset !== undefined) throw malformed();
      return opened.payload;
    },

    sealPage(payload, binding) {
      const sealed = sealBytes(PAGE_VERSION, payload, binding);
      // The page part is the sealed bytes without their version byte (the edge head carries it).
      const page = sealed.subarray(1);
      const pageText = page.toString('base64url');
      checkLength(((PAGE_HEAD_LENGTH / 3) * 4) + pageText.length);
      const tagAt = edgeTagger(sealing, pageDigest(page, binding));
      const head = Buffer.allocUnsafe(PAGE_HEAD_LENGTH);
      head[0] = PAGE_VERSION;
      return {
        at(offset) {
          if (!Number.isInteger(offset) || offset < 0 || offset > MAX_OFFSET) throw new Error(`Cursor offset ${offset} is out of range.`);
          head.writeUInt32BE(offset, 1);
          tagAt(offset).copy(head, 1 + OFFSET_LENGTH);
          return head.toString('base64url') + pageText;
        },
      };
    },

    openPage,
  };
}
