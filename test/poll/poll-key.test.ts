import { describe, expect, it } from 'vitest';
import { anchorOf, pollKeyOf } from '../../src/poll/poll-key.js';
import { backoff, jittered } from '../../src/poll/schedule.js';

const base = {
  principalKey: 'tenant-1.user-1',
  resource: 'messages' as const,
  options: { folderId: 'inbox', changeType: 'created' },
  select: ['id', 'subject', 'isRead'],
  prefer: ['IdType="ImmutableId"', 'outlook.timezone="UTC"'],
};

describe('poll keys', () => {
  it('ignores the order of options, selected fields and preferences', () => {
    const reordered = {
      ...base,
      options: { changeType: 'created', folderId: 'inbox' },
      select: ['isRead', 'id', 'subject'],
      prefer: ['outlook.timezone="UTC"', 'IdType="ImmutableId"'],
    };
    expect(pollKeyOf(reordered)).toEqual(pollKeyOf(base));
  });

  it.each([
    ['principal', { principalKey: 'tenant-1.user-2' }],
    ['resource', { resource: 'contacts' as const }],
    ['option value', { options: { folderId: 'inbox', changeType: 'updated' } }],
    ['missing option', { options: { folderId: 'inbox' } }],
    ['selected fields', { select: ['id', 'subject'] }],
    ['no $select', { select: null }],
    ['preferences', { prefer: ['IdType="ImmutableId"'] }],
  ])('differs by %s', (_what, change) => {
    expect(pollKeyOf({ ...base, ...change }).id).not.toBe(pollKeyOf(base).id);
  });

  it('gives ids that name no user (they appear in Redis keys and logs)', () => {
    const { id } = pollKeyOf(base);
    expect(id).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(id).not.toContain('user-1');
  });

  it('fingerprints positions', () => {
    expect(anchorOf({ kind: 'delta', link: 'https://graph/x?$deltatoken=a' })).toBe(anchorOf({ kind: 'delta', link: 'https://graph/x?$deltatoken=a' }));
    expect(anchorOf({ kind: 'delta', link: 'https://graph/x?$deltatoken=a' })).not.toBe(anchorOf({ kind: 'delta', link: 'https://graph/x?$deltatoken=b' }));
  });
});

describe('poll schedule', () => {
  it('jitters within ±10 % of the interval', () => {
    expect(jittered(1000, () => 0)).toBe(900);
    expect(jittered(1000, () => 0.999999)).toBe(1100);
  });

  it('backs off doubling, up to 8 times the interval', () => {
    const half = () => 0.5;
    expect([1, 2, 3, 4, 5, 9].map((failures) => backoff(1000, failures, half))).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
  });
});
