import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCursorCodec } from '../../src/cursor/codec.js';
import { isGatewayError } from '../../src/errors.js';
import { createRoundSealer, openRound, sealRound } from '../../src/delta/round-cursor.js';
import type { Position, RoundState } from '../../src/delta/round.js';

const codec = createCursorCodec(['round-cursor-property-secret-0123456789abcdef']);
const BINDING = 'tid.oid|messages';

const position: fc.Arbitrary<Exclude<Position, { kind: 'initial' }>> = fc.oneof(
  fc.record(
    { kind: fc.constant('link' as const), link: fc.webUrl(), offset: fc.nat(5000), size: fc.integer({ min: 1, max: 1000 }), repeats: fc.integer({ min: 1, max: 3 }) },
    { requiredKeys: ['kind', 'link', 'offset'] },
  ),
  fc.record({ kind: fc.constant('stash' as const), key: fc.uuid(), index: fc.nat(5000) }),
  fc.record({ kind: fc.constant('delta' as const), link: fc.webUrl() }),
);
const round = fc.record(
  {
    options: fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.oneof(fc.string(), fc.boolean(), fc.integer())),
    select: fc.option(fc.array(fc.string({ minLength: 1, maxLength: 20 }), { maxLength: 8 }), { nil: null }),
    prefer: fc.array(fc.string({ maxLength: 40 }), { maxLength: 3 }),
    pageSize: fc.integer({ min: 1, max: 1000 }),
  },
  { requiredKeys: ['options', 'select', 'prefer'] },
);

function expectInvalid(fn: () => unknown): void {
  let error: unknown;
  try {
    fn();
  } catch (caught) {
    error = caught;
  }
  expect(isGatewayError(error, 'INVALID_CURSOR'), String(error)).toBe(true);
}

describe('round cursors', () => {
  it('open to the round and position they were sealed at, many positions through one sealer', () => {
    fc.assert(
      fc.property(round, fc.array(position, { minLength: 1, maxLength: 12 }), (parts, positions) => {
        const seal = createRoundSealer(codec, BINDING, parts);
        for (const at of positions) {
          const opened = openRound(codec, BINDING, seal(at));
          expect(opened).toEqual({ ...parts, position: at });
        }
      }),
    );
  });

  it('of one page share its sealed part and are far smaller than whole-round cursors', () => {
    const parts: Omit<RoundState, 'position'> = { options: { folderId: 'inbox' }, select: ['id', 'subject', 'from'], prefer: ['IdType="ImmutableId"'], pageSize: 100 };
    const link = `https://graph.microsoft.com/v1.0/me/mailFolders/inbox/messages/delta?$skiptoken=${'x'.repeat(120)}`;
    const seal = createRoundSealer(codec, BINDING, parts);
    const edges = Array.from({ length: 100 }, (_, i) => seal({ kind: 'link', link, offset: i + 1, size: 100 }));
    expect(new Set(edges.map((c) => c.slice(28))).size).toBe(1);
    const whole = codec.seal({ v: 1, o: parts.options, s: parts.select, p: parts.prefer, n: 100, at: { kind: 'link', link, offset: 1, size: 100 } }, BINDING);
    expect((edges[0] as string).length).toBeLessThan(whole.length);
  });

  it('still open whole-round cursors sealed before page cursors (versions 1 and 2)', () => {
    fc.assert(
      fc.property(round, position, (parts, at) => {
        const whole = codec.seal({ v: 1, o: parts.options, s: parts.select, p: parts.prefer, n: parts.pageSize, at }, BINDING);
        expect(openRound(codec, BINDING, whole)).toEqual({ ...parts, position: at });
      }),
    );
    const v1 =
      'AWbXd8UbX962He43MmYzEKt3F_sf_qAhpp1jOX-C__RsYiEjrwcrEQ8S8vbzMzzXQr8qlS3SDuh9UE6ElBEGgLt7l0DYMBJakp9pU9ujUOy5zRIjimcmuR43OOr-flHks_fs66_r-P1u4SgoiDGRctBp2O9_HUJKUbWU2Xu0Ja7_9oR5gB6Gmc1-y4Y';
    // That fixture's payload has no v/o/s/p: authentic, but not a round.
    expectInvalid(() => openRound(createCursorCodec(['version-one-fixture-secret-0123456789abcdef']), 'tid.oid|messages', v1));
  });

  it('reject authentic page parts that are not a round position', () => {
    const head = [{}, null, [], null];
    for (const [part, offset] of [
      [[...head, 'd', 'https://graph.example/delta'], 1],
      [[...head, 'x', 'https://graph.example/delta'], 0],
      [[...head, 'l', 42, null, null], 0],
      [[...head, 's'], 0],
      [[{}, 'id', [], null, 's', 'k'], 0],
      [{ v: 1 }, 0],
    ] as const) {
      expectInvalid(() => openRound(codec, BINDING, codec.sealPage(part, BINDING).at(offset)));
    }
  });

  it('sealRound seals one position the same way', () => {
    const state: RoundState = { options: {}, select: null, prefer: [], position: { kind: 'delta', link: 'https://graph.example/d' } };
    expect(openRound(codec, BINDING, sealRound(codec, BINDING, state))).toEqual(state);
  });
});
