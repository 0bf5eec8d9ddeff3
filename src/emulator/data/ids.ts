import { createHash, hash, randomBytes } from 'node:crypto';
import { flat } from './flat-string.js';

/** The kinds of object the emulator mints ids for. */
export type IdKind = 'message' | 'event' | 'contact' | 'calendar' | 'folder' | 'contactFolder' | 'user';

// Exchange ids start with a mailbox-store marker ("AAMkAG…"), then an opaque base64 blob. The blob here
// is a hash, so ids look real, never reveal the seed counter, and differ per kind for the same n.
const PREFIX: Record<Exclude<IdKind, 'user'>, string> = {
  message: 'AAMkAGM',
  event: 'AAMkAGE',
  contact: 'AAMkAGC',
  calendar: 'AAMkAGK',
  folder: 'AAMkAGF',
  contactFolder: 'AAMkAGP',
};

const OCCURRENCE_PREFIX = 'AAMkAGO';

/** base64url without padding: never contains '/', '+' or '=', so ids are safe in URL paths. */
function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

/**
 * A deterministic, Graph-looking id, unique per (kind, String(n)). Users get GUIDs, as in Entra ID.
 * @example graphId('message', 42) // "AAMkAGM…" (50 URL-safe characters)
 */
export function graphId(kind: IdKind, n: number | string): string {
  const input = `${kind}\u0000${String(n)}`;
  if (kind === 'user') return guidFromHash(createHash('sha256').update(input).digest());
  // One-shot hash straight to base64url (43 characters for 32 bytes): the seed mints one id per message.
  return flat(PREFIX[kind], hash('sha256', input, 'base64url'));
}

/** True if `id` starts like the ids {@link graphId} and {@link newId} mint for `kind`. */
export function isIdOfKind(kind: Exclude<IdKind, 'user'>, id: string): boolean {
  return id.startsWith(PREFIX[kind]);
}

function guidFromHash(digest: Buffer): string {
  const b = Buffer.from(digest.subarray(0, 16));
  // RFC 4122 version 4 / variant bits, so validators accept it.
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

// Per-process nonce: runtime ids never collide with seed ids (different input) nor across restarts.
const RUNTIME_NONCE = randomBytes(8).toString('hex');
let runtimeCounter = 0;

/** A fresh id for an item created at runtime (POST). Unique within the process and very likely across processes. */
export function newId(kind: IdKind): string {
  runtimeCounter += 1;
  return graphId(kind, `runtime:${RUNTIME_NONCE}:${runtimeCounter}`);
}

/**
 * The id of one occurrence of a series, derived (like Graph's) from the master id and the occurrence's
 * original start, so the same occurrence always gets the same id and a rescheduled one gets a new id.
 * Reversible with {@link parseOccurrenceId}.
 */
export function occurrenceId(masterId: string, originalStartMs: number): string {
  const master = Buffer.from(masterId, 'utf8');
  const buf = Buffer.alloc(8 + master.length);
  buf.writeDoubleBE(originalStartMs, 0);
  master.copy(buf, 8);
  return OCCURRENCE_PREFIX + b64url(buf);
}

/** Inverse of {@link occurrenceId}; undefined for anything that is not an occurrence id. */
export function parseOccurrenceId(id: string): { masterId: string; originalStartMs: number } | undefined {
  if (!id.startsWith(OCCURRENCE_PREFIX)) return undefined;
  const body = id.slice(OCCURRENCE_PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(body)) return undefined;
  const buf = Buffer.from(body, 'base64url');
  if (buf.length <= 8) return undefined;
  const originalStartMs = buf.readDoubleBE(0);
  if (!Number.isFinite(originalStartMs)) return undefined;
  const masterId = buf.subarray(8).toString('utf8');
  if (!/^[A-Za-z0-9_=+/.-]+$/.test(masterId)) return undefined;
  if (occurrenceId(masterId, originalStartMs) !== id) return undefined;
  return { masterId, originalStartMs };
}
