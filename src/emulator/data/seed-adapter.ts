import { generateSeed, type SeedData, type SeedOptions } from './seed.js';
import type { Json, StoreSeed } from './store.js';

type StoreUser = StoreSeed['users'][number];

/** Turns the generator's flat, owner-tagged SeedData into the per-user shape the store loads. */
export function toStoreSeed(data: SeedData): StoreSeed {
  return {
    tenantId: data.tenantId,
    users: data.users.map((u) => {
      const { timeZone: _tz, ...profile } = u;
      const mine = <T extends { ownerId: string }>(xs: readonly T[]): T[] => xs.filter((x) => x.ownerId === u.id);
      const calendars: Json[] = [];
      for (const c of data.calendars) {
        if (c.ownerId === u.id) calendars.push({ ...c.calendar, isShared: (c.sharedWith?.length ?? 0) > 0, isSharedWithMe: false });
        else if (c.sharedWith?.includes(u.id)) {
          calendars.push({ ...c.calendar, isDefaultCalendar: false, isShared: false, isSharedWithMe: true, canShare: false, isRemovable: true });
        }
      }
      return {
        profile,
        calendars,
        // The generator's entries already have the store's shape (plus ownerId): pass them on instead of re-wrapping 100,000.
        events: mine(data.events) as unknown as StoreUser['events'],
        contactFolders: mine(data.contactFolders).map((f) => f.folder as unknown as Json),
        contacts: mine(data.contacts) as unknown as StoreUser['contacts'],
        mailFolders: mine(data.mailFolders).map((f) => f.folder as unknown as Json),
        messages: mine(data.messages) as unknown as StoreUser['messages'],
      };
    }),
  };
}

export function seedFor(options: SeedOptions): StoreSeed {
  return toStoreSeed(generateSeed(options));
}
