import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCursorCodec, MAX_CURSOR_LENGTH } from '../../src/cursor/codec.js';
import { isGatewayError } from '../../src/errors.js';

const SECRET_A = 'a-first-cursor-secret-that-is-long-enough-0001';
const SECRET_B = 'b-second-cursor-secret-that-is-long-enough-002';
const BINDING = 'tid-1.oid-1|messages';
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

const codec = createCursorCodec([SECRET_A]);

function openError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

function expectInvalid(fn: () => unknown): void {
  const error = openError(fn);
  expect(isGatewayError(error, 'INVALID_CURSOR'), String(error)).toBe(true);
  expect((error as Error).message).toMatch(/^The cursor is not valid/);
}

const samplePayload = { link: 'https://graph.microsoft.com/v1.0/me/messages/delta?$skiptoken=abc', offset: 3 };
const sealedSample = codec.seal(samplePayload, BINDING);

describe('cursor codec', () => {
  it('round-trips arbitrary JSON payloads', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string(), (payload, binding) => {
        const cursor = codec.seal(payload, binding);
        expect(codec.open(cursor, binding)).toEqual(JSON.parse(JSON.stringify(payload)));
      }),
    );
  });

  it('produces URL-safe cursors only', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (payload) => {
        expect(codec.seal(payload, BINDING)).toMatch(/^[A-Za-z0-9_-]+$/);
      }),
    );
  });

  it('uses a fresh IV per seal: the same payload never seals to the same cursor', () => {
    expect(codec.seal(samplePayload, BINDING)).not.toBe(codec.seal(samplePayload, BINDING));
  });

  it('rejects a single-character change at every position, for every base64url tail shape', () => {
    // Cursors whose byte length leaves 0, 2 or 4 unused bits in the last character.
    const samples = new Map<number, string>();
    for (let n = 0; samples.size < 3; n += 1) {
      const cursor = codec.seal({ ...samplePayload, pad: 'x'.repeat(n) }, BINDING);
      samples.set(cursor.length % 4, cursor);
    }
    for (const cursor of samples.values()) {
      for (let index = 0; index < cursor.length; index += 1) {
        // Every replacement where the encoding has structure (header, last characters), a few elsewhere.
        const edge = index < 8 || index >= cursor.length - 3;
        for (const replacement of edge ? ALPHABET : ALPHABET.slice(0, 4)) {
          if (replacement === cursor[index]) continue;
          const altered = cursor.slice(0, index) + replacement + cursor.slice(index + 1);
          expectInvalid(() => codec.open(altered, BINDING));
        }
      }
    }
  });

  it('rejects any single-character change of random cursors', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), fc.integer({ min: 1, max: ALPHABET.length - 1 }), (payload, at, shift) => {
        const cursor = codec.seal(payload, BINDING);
        const index = at % cursor.length;
        const original = cursor[index] as string;
        const replacement = ALPHABET[(ALPHABET.indexOf(original) + shift) % ALPHABET.length] as string;
        expectInvalid(() => codec.open(cursor.slice(0, index) + replacement + cursor.slice(index + 1), BINDING));
      }),
      { numRuns: 300 },
    );
  });

  it('rejects truncation and extension', () => {
    fc.assert(
      fc.property(fc.nat(sealedSample.length - 1), (length) => {
        expectInvalid(() => codec.open(sealedSample.slice(0, length), BINDING));
      }),
    );
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...ALPHABET), minLength: 1, maxLength: 8 }), (suffix) => {
        expectInvalid(() => codec.open(sealedSample + suffix, BINDING));
      }),
    );
  });

  it('rejects a cursor opened under another binding', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string(), fc.string(), (payload, binding, other) => {
        fc.pre(binding !== other);
        const cursor = codec.seal(payload, binding);
        expectInvalid(() => codec.open(cursor, other));
      }),
    );
    expectInvalid(() => codec.open(sealedSample, 'tid-1.oid-2|messages'));
    expectInvalid(() => codec.open(sealedSample, 'tid-1.oid-1|contacts'));
  });

  it('still opens version-1 (deflated) cursors sealed before version 2', () => {
    // Sealed by the version-1 codec with this secret and binding.
    const v1 =
      'AWbXd8UbX962He43MmYzEKt3F_sf_qAhpp1jOX-C__RsYiEjrwcrEQ8S8vbzMzzXQr8qlS3SDuh9UE6ElBEGgLt7l0DYMBJakp9pU9ujUOy5zRIjimcmuR43OOr-flHks_fs66_r-P1u4SgoiDGRctBp2O9_HUJKUbWU2Xu0Ja7_9oR5gB6Gmc1-y4Y';
    const old = createCursorCodec(['version-one-fixture-secret-0123456789abcdef']);
    expect(old.open(v1, 'tid.oid|messages')).toEqual({
      at: { kind: 'delta', link: 'https://graph.microsoft.com/v1.0/me/mailFolders/inbox/messages/delta?$deltatoken=v1-fixture' },
    });
    expectInvalid(() => old.open(v1, 'tid.oid|contacts'));
    expect(Buffer.from(old.seal({}, 'b'), 'base64url')[0]).toBe(2);
  });

  it('rejects garbage: not base64url, wrong version, too long, empty', () => {
    expectInvalid(() => codec.open('', BINDING));
    expectInvalid(() => codec.open('not a cursor!', BINDING));
    expectInvalid(() => codec.open(`${sealedSample.slice(0, -2)}==`, BINDING));
    expectInvalid(() => codec.open('A'.repeat(MAX_CURSOR_LENGTH + 1), BINDING));
    const bytes = Buffer.from(sealedSample, 'base64url');
    bytes[0] = 3;
    expectInvalid(() => codec.open(bytes.toString('base64url'), BINDING));
    // A version-2 cursor relabelled as version 1 fails too: the version is authenticated.
    bytes[0] = 1;
    expectInvalid(() => codec.open(bytes.toString('base64url'), BINDING));
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...ALPHABET), maxLength: 200 }), (junk) => {
        expectInvalid(() => codec.open(junk, BINDING));
      }),
    );
  });

  it('does not say which check failed beyond malformed vs not-for-you', () => {
    const otherBinding = openError(() => codec.open(sealedSample, 'x')) as Error;
    const middle = Math.floor(sealedSample.length / 2);
    const flipped = sealedSample[middle] === 'A' ? 'B' : 'A';
    const tampered = openError(() => codec.open(sealedSample.slice(0, middle) + flipped + sealedSample.slice(middle + 1), BINDING)) as Error;
    const unknownKey = openError(() => createCursorCodec([SECRET_B]).open(sealedSample, BINDING)) as Error;
    expect(tampered.message).toBe(otherBinding.message);
    expect(unknownKey.message).toBe(otherBinding.message);
  });

  it('never carries payload strings in clear', () => {
    const token = `${'QWxhZGRpbjpvcGVuIHNlc2FtZQ'.repeat(30)}ZZ`;
    const link = `https://graph.microsoft.com/v1.0/me/mailFolders/inbox/messages/delta?$deltatoken=${token}`;
    const userId = 'b7f4c1e2-9d3a-4c5b-8e6f-0a1b2c3d4e5f';
    const cursor = codec.seal({ link, userId }, BINDING);
    const decoded = Buffer.from(cursor, 'base64url');
    for (const secret of [link, token, token.slice(0, 16), 'deltatoken', 'graph.microsoft.com', userId]) {
      expect(cursor).not.toContain(secret);
      expect(decoded.includes(Buffer.from(secret, 'utf8'))).toBe(false);
      expect(decoded.toString('latin1')).not.toContain(secret);
    }
    fc.assert(
      fc.property(fc.string({ minLength: 12, maxLength: 60, unit: fc.constantFrom(...ALPHABET) }), (text) => {
        const sealed = codec.seal({ text }, BINDING);
        expect(sealed).not.toContain(text);
        expect(Buffer.from(sealed, 'base64url').includes(Buffer.from(text))).toBe(false);
      }),
    );
  });

  it('keeps a cursor with a 2,000-character link under 4096 characters', () => {
    const random = fc.sample(fc.string({ unit: fc.constantFrom(...ALPHABET), minLength: 2000, maxLength: 2000 }), { numRuns: 1, seed: 42 })[0] as string;
    const link = `https://graph.microsoft.com/v1.0/me/messages/delta?$skiptoken=${random}`.slice(0, 2000);
    expect(link).toHaveLength(2000);
    const payload = { v: 1, link, offset: 17, prefer: ['odata.maxpagesize=50', 'IdType="ImmutableId"'], select: ['id', 'subject', 'from'] };
    const cursor = codec.seal(payload, BINDING);
    expect(cursor.length).toBeLessThanOrEqual(MAX_CURSOR_LENGTH);
    expect(codec.open(cursor, BINDING)).toEqual(payload);
  });

  it('throws a plain Error (not a client error) when a payload is too big to seal', () => {
    const incompressible = fc.sample(fc.string({ unit: fc.constantFrom(...ALPHABET), minLength: 5000, maxLength: 5000 }), { numRuns: 1, seed: 7 })[0];
    const error = openError(() => codec.seal({ incompressible }, BINDING));
    expect(error).toBeInstanceOf(Error);
    expect(isGatewayError(error)).toBe(false);
    expect(openError(() => codec.seal(undefined, BINDING))).toBeInstanceOf(Error);
  });

  it('rotates keys: the first secret seals, all open', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (payload) => {
        const old = createCursorCodec([SECRET_A]).seal(payload, BINDING);
        const expected = JSON.parse(JSON.stringify(payload));
        expect(createCursorCodec([SECRET_B, SECRET_A]).open(old, BINDING)).toEqual(expected);
        expectInvalid(() => createCursorCodec([SECRET_B]).open(old, BINDING));
        const fresh = createCursorCodec([SECRET_B, SECRET_A]).seal(payload, BINDING);
        expectInvalid(() => createCursorCodec([SECRET_A]).open(fresh, BINDING));
        expect(createCursorCodec([SECRET_B]).open(fresh, BINDING)).toEqual(expected);
      }),
      { numRuns: 50 },
    );
  });

  it('opens across instances sharing the secret (restarts, scale-out)', () => {
    expect(createCursorCodec([SECRET_A]).open(sealedSample, BINDING)).toEqual(samplePayload);
  });

  it('rejects short or missing secrets at creation', () => {
    expect(() => createCursorCodec([])).toThrow(/at least one/);
    expect(() => createCursorCodec(['short'])).toThrow(/at least 32 characters/);
    expect(() => createCursorCodec([SECRET_A, 'x'.repeat(31)])).toThrow(/#2/);
  });
});
