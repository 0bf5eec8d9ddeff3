import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clientStateFor, clientStateMatches } from '../../src/push/client-state.js';
import { pushTargetOf } from '../../src/push/target.js';

const secret = fc.string({ minLength: 32, maxLength: 64 });
const text = fc.string({ minLength: 1, maxLength: 80 });

describe('push: clientState (HMAC of mailbox and resource under CURSOR_SECRET)', () => {
  it('is 32–128 URL-safe characters, verifies under any listed secret, and only for its own mailbox and resource', () => {
    fc.assert(
      fc.property(secret, secret, text, text, text, (first, old, mailbox, resource, other) => {
        const state = clientStateFor(first, mailbox, resource);
        expect(state.length).toBeGreaterThanOrEqual(32);
        expect(state.length).toBeLessThanOrEqual(128);
        expect(state).toMatch(/^[A-Za-z0-9_-]+$/);
        // Rotation: signed with the old secret, still verified while it is listed.
        expect(clientStateMatches([first, old], mailbox, resource, clientStateFor(old, mailbox, resource))).toBe(true);
        expect(clientStateMatches([first], mailbox, resource, state)).toBe(true);
        if (other !== resource) expect(clientStateMatches([first], mailbox, other, state)).toBe(false);
        if (other !== mailbox) expect(clientStateMatches([first], other, resource, state)).toBe(false);
        if (old !== first) expect(clientStateMatches([old], mailbox, resource, state)).toBe(false);
      }),
    );
  });

  it('rejects anything that is not the exact string', () => {
    const state = clientStateFor('s'.repeat(40), 'me:t.o', "me/mailFolders('inbox')/messages");
    for (const forged of [undefined, null, 42, '', state.slice(1), `${state}x`, state.toUpperCase(), 'x'.repeat(10_000)]) {
      expect(clientStateMatches(['s'.repeat(40)], 'me:t.o', "me/mailFolders('inbox')/messages", forged)).toBe(false);
    }
  });
});

describe('push: which Graph resource a poller subscribes to (CONTRACT §8)', () => {
  it('maps folders, calendars and mailboxes; calendars (the list) cannot be notified', () => {
    expect(pushTargetOf('messages', { folderId: 'inbox' }, 'tid.oid')?.resource).toBe("me/mailFolders('inbox')/messages");
    expect(pushTargetOf('messages', { folderId: "it's", userId: 'u1' }, 'tid.oid')?.resource).toBe("users/u1/mailFolders('it''s')/messages");
    expect(pushTargetOf('contacts', { folderId: 'F1' }, 'tid.oid')?.resource).toBe("me/contactFolders('F1')/contacts");
    expect(pushTargetOf('events', {}, 'tid.oid')?.resource).toBe('me/events');
    expect(pushTargetOf('events', { calendarId: 'C1' }, 'tid.oid')?.resource).toBe('me/calendars/C1/events');
    expect(pushTargetOf('calendars', {}, 'tid.oid')).toBeUndefined();
    // `me` of two principals are two mailboxes; `users/{id}` is one mailbox whoever asks.
    expect(pushTargetOf('events', {}, 'a')?.channel).not.toBe(pushTargetOf('events', {}, 'b')?.channel);
    expect(pushTargetOf('events', { userId: 'u' }, 'a')?.channel).toBe(pushTargetOf('events', { userId: 'u' }, 'b')?.channel);
    // The channel names Redis keys and channels: no user or folder id in it.
    expect(pushTargetOf('messages', { userId: 'user-secret-id', folderId: 'folder-id' }, 'a')?.channel).toMatch(/^push-[A-Za-z0-9_-]{32}$/);
  });
});
