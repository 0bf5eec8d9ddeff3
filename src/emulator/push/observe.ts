import type { ItemRecord } from '../delta/change-log.js';
import type { Store, UserState } from '../data/store.js';

/** One change to an item, as Graph's notification service sees it. */
export interface ItemChange {
  /** The mailbox (user id) that holds the item. */
  userId: string;
  kind: 'message' | 'event' | 'contact';
  /** The mail folder, calendar or contact folder holding the item. */
  containerId: string;
  /** The item's REST id (Graph's notifications name the default id). */
  itemId: string;
  changeType: 'created' | 'updated' | 'deleted';
}

const folderOf = (rec: ItemRecord): string => String(rec.json['parentFolderId'] ?? '');

/**
 * The store, with every item write reported to `emit` after it succeeded. Wrapping keeps the
 * store itself free of notification concerns; the writes below are the only ways items change.
 */
export function observeStore(store: Store, emit: (change: ItemChange) => void): Store {
  const uid = (user: UserState) => user.profile.id;
  const eventOwner = (user: UserState, calendarId: string) => store.calendarOwner(calendarId) ?? uid(user);
  return {
    get seq() {
      return store.seq;
    },
    tenantId: store.tenantId,
    generation: store.generation,
    users: store.users,
    user: store.user,
    eventLog: store.eventLog,
    exceptionsOf: store.exceptionsOf,
    calendarOwner: store.calendarOwner,
    mailFolderId: store.mailFolderId,
    contactFolderId: store.contactFolderId,
    calendarId: store.calendarId,
    getMessage: store.getMessage,
    getContact: store.getContact,
    getCalendar: store.getCalendar,
    getEvent: store.getEvent,
    createCalendar: store.createCalendar,
    updateCalendar: store.updateCalendar,
    deleteCalendar: store.deleteCalendar,

    createMessage(user, folder, body) {
      const rec = store.createMessage(user, folder, body);
      emit({ userId: uid(user), kind: 'message', containerId: folderOf(rec), itemId: rec.restId, changeType: 'created' });
      return rec;
    },
    updateMessage(user, id, patch) {
      const rec = store.updateMessage(user, id, patch);
      emit({ userId: uid(user), kind: 'message', containerId: folderOf(rec), itemId: rec.restId, changeType: 'updated' });
      return rec;
    },
    deleteMessage(user, id) {
      const rec = store.getMessage(user, id);
      store.deleteMessage(user, id);
      emit({ userId: uid(user), kind: 'message', containerId: folderOf(rec), itemId: rec.restId, changeType: 'deleted' });
    },
    moveMessage(user, id, destination) {
      const before = store.getMessage(user, id);
      const moved = store.moveMessage(user, id, destination);
      if (folderOf(moved) !== folderOf(before)) {
        // Graph: a move is a deletion in the old folder and a creation in the new one.
        emit({ userId: uid(user), kind: 'message', containerId: folderOf(before), itemId: before.restId, changeType: 'deleted' });
        emit({ userId: uid(user), kind: 'message', containerId: folderOf(moved), itemId: moved.restId, changeType: 'created' });
      }
      return moved;
    },

    createContact(user, folder, body) {
      const rec = store.createContact(user, folder, body);
      emit({ userId: uid(user), kind: 'contact', containerId: folderOf(rec), itemId: rec.restId, changeType: 'created' });
      return rec;
    },
    updateContact(user, id, patch) {
      const rec = store.updateContact(user, id, patch);
      emit({ userId: uid(user), kind: 'contact', containerId: folderOf(rec), itemId: rec.restId, changeType: 'updated' });
      return rec;
    },
    deleteContact(user, id) {
      const rec = store.getContact(user, id);
      store.deleteContact(user, id);
      emit({ userId: uid(user), kind: 'contact', containerId: folderOf(rec), itemId: rec.restId, changeType: 'deleted' });
    },

    createEvent(user, calendarId, body) {
      const rec = store.createEvent(user, calendarId, body);
      const { calendarId: cal } = store.getEvent(user, rec.restId);
      emit({ userId: eventOwner(user, cal), kind: 'event', containerId: cal, itemId: rec.restId, changeType: 'created' });
      return rec;
    },
    updateEvent(user, id, patch) {
      const rec = store.updateEvent(user, id, patch);
      const { calendarId: cal } = store.getEvent(user, rec.restId);
      emit({ userId: eventOwner(user, cal), kind: 'event', containerId: cal, itemId: rec.restId, changeType: 'updated' });
      return rec;
    },
    deleteEvent(user, id) {
      const { record, calendarId: cal } = store.getEvent(user, id);
      store.deleteEvent(user, id);
      emit({ userId: eventOwner(user, cal), kind: 'event', containerId: cal, itemId: record.restId, changeType: 'deleted' });
    },
  };
}
