import { createHmac, hash, hkdfSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCursorCodec, MAX_CURSOR_LENGTH } from '../../src/cursor/codec.js';
import { isGatewayError } from '../../src/errors.js';

// Page cursors (version 3): one AES-GCM seal per page part, an HMAC tag per edge. Every CONTRACT §4
// property the whole-cursor format has, checked again for this one.
const SECRET_A = 'a-first-cursor-secret-that-is-long-enough-0001';
const SECRET_B = 'b-second-cursor-secret-that-is-long-enough-002';
const BINDING = 'tid-1.oid-1|messages';
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const codec = createCursorCodec([SECRET_A]);
const offsets = fc.oneof(fc.nat(1100), fc.integer({ min: 0, max: 0xffffffff }));

function expectInvalid(fn: () => unknown): void {
  let error: unknown;
  try {
    fn();
  } catch (caught) {
    error = caught;
  }
  expect(isGatewayError(error, 'INVALID_CURSOR'), String(error)).toBe(true);
  expect((error as Error).message).toMatch(/^The cursor is not valid/);
}

const link = 'https://graph.microsoft.com/v1.0/me/mailFolders/inbox/messages/delta?$skiptoken=page-token-0123456789';
const sample = [{ userId: 'u-1' }, ['id', 'subject'], ['IdType="ImmutableId"'], 100, 'l', link, 100, null];

describe('page cursors', () => {
  it('round-trip payload and offset, under any binding', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string(), offsets, (payload, binding, offset) => {
        const cursor = codec.sealPage(payload, binding).at(offset);
        expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(codec.openPage(cursor, binding)).toEqual({ payload: JSON.parse(JSON.stringify(payload)), offset });
      }),
    );
  });

  it('share one sealed page part: edges of a page differ only in their 28-character head', () => {
    const page = codec.sealPage(sample, BINDING);
    const cursors = Array.from({ length: 100 }, (_, i) => page.at(i + 1));
    const tails = new Set(cursors.map((c) => c.slice(28)));
    expect(tails.size).toBe(1);
    expect(new Set(cursors).size).toBe(100);
    // A fresh IV per page part: the same page sealed twice gives other cursors.
    expect(codec.sealPage(sample, BINDING).at(1)).not.toBe(cursors[0]);
  });

  it('tag each edge with HMAC-SHA256 (key from the secret by HKDF) over version, offset and the page digest', () => {
    const cursor = codec.sealPage(sample, BINDING).at(42);
    const bytes = Buffer.from(cursor, 'base64url');
    const page = bytes.subarray(21);
    const digest = hash('sha256', Buffer.concat([page, Buffer.from([0]), Buffer.from(BINDING)]), 'buffer');
    const key = Buffer.from(hkdfSync('sha256', SECRET_A, 'delta-gateway/cursor', 'delta-gateway cursor edge tag key v3', 32));
    const message = Buffer.concat([Buffer.from([3]), bytes.subarray(1, 5), digest]);
    expect(bytes[0]).toBe(3);
    expect(bytes.readUInt32BE(1)).toBe(42);
    expect(bytes.subarray(5, 21).equals(createHmac('sha256', key).update(message).digest().subarray(0, 16))).toBe(true);
  });

  it('reject any single-character change', () => {
    fc.assert(
      fc.property(fc.jsonValue(), offsets, fc.nat(), fc.integer({ min: 1, max: ALPHABET.length - 1 }), (payload, offset, at, shift) => {
        const cursor = codec.sealPage(payload, BINDING).at(offset);
        const index = at % cursor.length;
        const replacement = ALPHABET[(ALPHABET.indexOf(cursor[index] as string) + shift) % ALPHABET.length] as string;
        expectInvalid(() => codec.openPage(cursor.slice(0, index) + replacement + cursor.slice(index + 1), BINDING));
      }),
      { numRuns: 400 },
    );
    const cursor = codec.sealPage(sample, BINDING).at(7);
    for (let index = 0; index < cursor.length; index += 1) {
      for (const replacement of index < 30 || index >= cursor.length - 3 ? ALPHABET : ALPHABET.slice(0, 3)) {
        if (replacement === cursor[index]) continue;
        expectInvalid(() => codec.openPage(cursor.slice(0, index) + replacement + cursor.slice(index + 1), BINDING));
      }
    }
  });

  it('reject another offset, or one edge head spliced onto another page part', () => {
    fc.assert(
      fc.property(offsets, offsets, (offset, other) => {
        fc.pre(offset !== other);
        const bytes = Buffer.from(codec.sealPage(sample, BINDING).at(offset), 'base64url');
        bytes.writeUInt32BE(other, 1);
        expectInvalid(() => codec.openPage(bytes.toString('base64url'), BINDING));
      }),
    );
    const a = codec.sealPage(sample, BINDING).at(3);
    const b = codec.sealPage([...sample.slice(0, 5), `${link}-other`, 100, null], BINDING).at(3);
    expectInvalid(() => codec.openPage(a.slice(0, 28) + b.slice(28), BINDING));
    expectInvalid(() => codec.openPage(b.slice(0, 28) + a.slice(28), BINDING));
  });

  it('reject truncation, extension, another binding, and a page part relabelled as a whole cursor', () => {
    const cursor = codec.sealPage(sample, BINDING).at(5);
    fc.assert(fc.property(fc.nat(cursor.length - 1), (length) => expectInvalid(() => codec.openPage(cursor.slice(0, length), BINDING))));
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...ALPHABET), minLength: 1, maxLength: 8 }), (suffix) => {
        expectInvalid(() => codec.openPage(cursor + suffix, BINDING));
      }),
    );
    fc.assert(
      fc.property(fc.jsonValue(), fc.string(), fc.string(), (payload, binding, other) => {
        fc.pre(binding !== other);
        expectInvalid(() => codec.openPage(codec.sealPage(payload, binding).at(1), other));
      }),
    );
    expectInvalid(() => codec.openPage(cursor, 'tid-1.oid-2|messages'));
    expectInvalid(() => codec.openPage(cursor, 'tid-1.oid-1|contacts'));
    // The page part alone, as version 2: its version is authenticated, so it does not open.
    const page = Buffer.from(cursor, 'base64url').subarray(21);
    expectInvalid(() => codec.openPage(Buffer.concat([Buffer.from([2]), page]).toString('base64url'), BINDING));
    // A page cursor means nothing without its offset: `open` (whole cursors) refuses it.
    expectInvalid(() => codec.open(cursor, BINDING));
  });

  it('carry no payload string in clear', () => {
    const token = `${'QWxhZGRpbjpvcGVuIHNlc2FtZQ'.repeat(30)}ZZ`;
    const secretLink = `https://graph.microsoft.com/v1.0/users/b7f4c1e2-9d3a-4c5b-8e6f-0a1b2c3d4e5f/messages/delta?$skiptoken=${token}`;
    const cursor = codec.sealPage([{ userId: 'b7f4c1e2-9d3a-4c5b-8e6f-0a1b2c3d4e5f' }, null, [], null, 'l', secretLink, 10, null], BINDING).at(3);
    const decoded = Buffer.from(cursor, 'base64url');
    for (const secret of [secretLink, token.slice(0, 16), 'skiptoken', 'graph.microsoft.com', 'b7f4c1e2-9d3a-4c5b-8e6f-0a1b2c3d4e5f']) {
      expect(cursor).not.toContain(secret);
      expect(decoded.toString('latin1')).not.toContain(secret);
    }
  });

  it('stay within 4 KiB: a 2,000-character link fits; too big a page part is a plain Error', () => {
    const random = fc.sample(fc.string({ unit: fc.constantFrom(...ALPHABET), minLength: 2000, maxLength: 2000 }), { numRuns: 1, seed: 42 })[0] as string;
    const long = [{}, ['id', 'subject', 'from'], ['IdType="ImmutableId"'], 1000, 'l', random, 1000, 1];
    const cursor = codec.sealPage(long, BINDING).at(999);
    expect(cursor.length).toBeLessThanOrEqual(MAX_CURSOR_LENGTH);
    expect(codec.openPage(cursor, BINDING).payload).toEqual(long);
    let error: unknown;
    try {
      codec.sealPage({ big: random.repeat(3) }, BINDING);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(Error);
    expect(isGatewayError(error)).toBe(false);
    expect(() => codec.sealPage(sample, BINDING).at(-1)).toThrow(/out of range/);
    expect(() => codec.sealPage(sample, BINDING).at(2 ** 32)).toThrow(/out of range/);
  });

  it('rotate: the first secret seals, every listed one opens', () => {
    fc.assert(
      fc.property(fc.jsonValue(), offsets, (payload, offset) => {
        const expected = { payload: JSON.parse(JSON.stringify(payload)), offset };
        const old = createCursorCodec([SECRET_A]).sealPage(payload, BINDING).at(offset);
        expect(createCursorCodec([SECRET_B, SECRET_A]).openPage(old, BINDING)).toEqual(expected);
        expectInvalid(() => createCursorCodec([SECRET_B]).openPage(old, BINDING));
        const fresh = createCursorCodec([SECRET_B, SECRET_A]).sealPage(payload, BINDING).at(offset);
        expectInvalid(() => createCursorCodec([SECRET_A]).openPage(fresh, BINDING));
        expect(createCursorCodec([SECRET_B]).openPage(fresh, BINDING)).toEqual(expected);
      }),
      { numRuns: 50 },
    );
  });

  it('openPage still opens whole cursors (versions 2 and 1), without an offset', () => {
    expect(codec.openPage(codec.seal({ a: 1 }, BINDING), BINDING)).toEqual({ payload: { a: 1 }, offset: undefined });
    const v1 =
      'AWbXd8UbX962He43MmYzEKt3F_sf_qAhpp1jOX-C__RsYiEjrwcrEQ8S8vbzMzzXQr8qlS3SDuh9UE6ElBEGgLt7l0DYMBJakp9pU9ujUOy5zRIjimcmuR43OOr-flHks_fs66_r-P1u4SgoiDGRctBp2O9_HUJKUbWU2Xu0Ja7_9oR5gB6Gmc1-y4Y';
    expect(createCursorCodec(['version-one-fixture-secret-0123456789abcdef']).openPage(v1, 'tid.oid|messages').offset).toBeUndefined();
  });
});
