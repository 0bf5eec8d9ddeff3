import { describe, expect, it } from 'vitest';
import { graphId, newId, occurrenceId, parseOccurrenceId, type IdKind } from '../../../src/emulator/data/ids.js';

const KINDS: IdKind[] = ['message', 'event', 'contact', 'calendar', 'folder', 'contactFolder', 'user'];
const URL_SAFE = /^[A-Za-z0-9_-]+$/;

describe('graphId', () => {
  it('is deterministic', () => {
    expect(graphId('message', 7)).toBe(graphId('message', 7));
    expect(graphId('event', 'abc')).toBe(graphId('event', 'abc'));
    expect(graphId('message', 7)).toBe(graphId('message', '7'));
  });

  it('is unique per kind and n', () => {
    const seen = new Set<string>();
    for (const kind of KINDS) for (let n = 0; n < 2000; n++) seen.add(graphId(kind, n));
    expect(seen.size).toBe(KINDS.length * 2000);
  });

  it('looks like an Exchange id and is URL-path-safe', () => {
    for (const kind of KINDS.filter((k) => k !== 'user')) {
      const id = graphId(kind, 1);
      expect(id).toMatch(/^AAMkAG/);
      expect(id).toMatch(URL_SAFE);
      expect(encodeURIComponent(id)).toBe(id);
      expect(id.length).toBeGreaterThan(40);
    }
  });

  it('gives users GUIDs', () => {
    expect(graphId('user', 1)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('newId', () => {
  it('never repeats and never collides with seed ids', () => {
    const seen = new Set<string>();
    for (let n = 0; n < 1000; n++) seen.add(graphId('message', n));
    for (let i = 0; i < 5000; i++) {
      const id = newId('message');
      expect(seen.has(id)).toBe(false);
      seen.add(id);
      expect(id).toMatch(URL_SAFE);
    }
  });
});

describe('occurrenceId', () => {
  const master = graphId('event', 3);
  const t = Date.UTC(2024, 5, 3, 16, 30);

  it('derives from master and original start', () => {
    expect(occurrenceId(master, t)).toBe(occurrenceId(master, t));
    expect(occurrenceId(master, t)).not.toBe(occurrenceId(master, t + 86_400_000));
    expect(occurrenceId(master, t)).not.toBe(occurrenceId(graphId('event', 4), t));
    expect(occurrenceId(master, t)).toMatch(URL_SAFE);
    expect(occurrenceId(master, t)).not.toBe(master);
  });

  it('round-trips through parseOccurrenceId', () => {
    expect(parseOccurrenceId(occurrenceId(master, t))).toEqual({ masterId: master, originalStartMs: t });
  });

  it('rejects ids that are not occurrence ids', () => {
    expect(parseOccurrenceId(master)).toBeUndefined();
    expect(parseOccurrenceId('AAMkAGOxyz')).toBeUndefined();
    expect(parseOccurrenceId('AAMkAGO')).toBeUndefined();
    expect(parseOccurrenceId(`AAMkAGO${Buffer.from('\u0001\u0002garbage\u0000\u00ff').toString('base64url')}`)).toBeUndefined();
    expect(parseOccurrenceId('AAMkAGO/+=')).toBeUndefined();
  });
});
