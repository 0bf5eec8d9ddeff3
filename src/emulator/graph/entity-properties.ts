/** Property names of the four entities (Graph v1.0 CSDL, plus the beta calendar fields), for $select and body checks. */

const OUTLOOK_ITEM = ['id', 'categories', 'changeKey', 'createdDateTime', 'lastModifiedDateTime'];

export const CALENDAR_PROPERTIES: ReadonlySet<string> = new Set([
  'id', 'allowedOnlineMeetingProviders', 'canEdit', 'canShare', 'canViewPrivateItems', 'changeKey', 'color',
  'defaultOnlineMeetingProvider', 'hexColor', 'isDefaultCalendar', 'isRemovable', 'isTallyingResponses', 'name', 'owner',
  'groupClassId', 'isShared', 'isSharedWithMe', 'calendarGroupId',
]);

export const EVENT_PROPERTIES: ReadonlySet<string> = new Set([
  ...OUTLOOK_ITEM, 'allowNewTimeProposals', 'attendees', 'body', 'bodyPreview', 'cancelledOccurrences', 'end', 'hasAttachments',
  'hideAttendees', 'iCalUId', 'importance', 'isAllDay', 'isCancelled', 'isDraft', 'isOnlineMeeting', 'isOrganizer', 'isReminderOn',
  'location', 'locations', 'onlineMeeting', 'onlineMeetingProvider', 'onlineMeetingUrl', 'organizer', 'originalEndTimeZone',
  'originalStart', 'originalStartTimeZone', 'recurrence', 'reminderMinutesBeforeStart', 'responseRequested', 'responseStatus',
  'sensitivity', 'seriesMasterId', 'showAs', 'start', 'subject', 'transactionId', 'type', 'webLink',
]);

export const CONTACT_PROPERTIES: ReadonlySet<string> = new Set([
  ...OUTLOOK_ITEM, 'assistantName', 'birthday', 'businessAddress', 'businessHomePage', 'businessPhones', 'children', 'companyName',
  'department', 'displayName', 'emailAddresses', 'fileAs', 'generation', 'givenName', 'homeAddress', 'homePhones', 'imAddresses',
  'initials', 'jobTitle', 'manager', 'middleName', 'mobilePhone', 'nickName', 'officeLocation', 'otherAddress', 'parentFolderId',
  'personalNotes', 'primaryEmailAddress', 'profession', 'secondaryEmailAddress', 'spouseName', 'surname', 'tertiaryEmailAddress',
  'title', 'yomiCompanyName', 'yomiGivenName', 'yomiSurname',
]);

export const MESSAGE_PROPERTIES: ReadonlySet<string> = new Set([
  ...OUTLOOK_ITEM, 'bccRecipients', 'body', 'bodyPreview', 'ccRecipients', 'conversationId', 'conversationIndex', 'flag', 'from',
  'hasAttachments', 'importance', 'inferenceClassification', 'internetMessageHeaders', 'internetMessageId',
  'isDeliveryReceiptRequested', 'isDraft', 'isRead', 'isReadReceiptRequested', 'parentFolderId', 'receivedDateTime', 'replyTo',
  'sender', 'sentDateTime', 'subject', 'toRecipients', 'uniqueBody', 'webLink',
]);

export const MESSAGE_NAVIGATIONS: ReadonlySet<string> = new Set([
  'attachments', 'extensions', 'singleValueExtendedProperties', 'multiValueExtendedProperties',
]);

/** Properties a client cannot set; Graph ignores them in bodies. */
export const READ_ONLY: ReadonlySet<string> = new Set([
  'id', 'changeKey', 'createdDateTime', 'lastModifiedDateTime', 'parentFolderId', 'seriesMasterId', 'type', 'webLink',
  'bodyPreview', 'hasAttachments', 'isOrganizer', 'iCalUId', 'originalStart', 'isDefaultCalendar', 'isRemovable', 'owner',
  'canEdit', 'canShare', 'canViewPrivateItems', 'conversationId', 'conversationIndex', 'uniqueBody',
]);

export type EntityType = 'calendar' | 'event' | 'contact' | 'message';

export const PROPERTIES: Readonly<Record<EntityType, ReadonlySet<string>>> = {
  calendar: CALENDAR_PROPERTIES,
  event: EVENT_PROPERTIES,
  contact: CONTACT_PROPERTIES,
  message: MESSAGE_PROPERTIES,
};

/** Case-insensitive lookup: Graph accepts property names in any case and answers with the declared spelling. */
const LOWER: Record<EntityType, Map<string, string>> = {
  calendar: new Map([...CALENDAR_PROPERTIES].map((p) => [p.toLowerCase(), p])),
  event: new Map([...EVENT_PROPERTIES].map((p) => [p.toLowerCase(), p])),
  contact: new Map([...CONTACT_PROPERTIES].map((p) => [p.toLowerCase(), p])),
  message: new Map([...MESSAGE_PROPERTIES].map((p) => [p.toLowerCase(), p])),
};

export function canonicalProperty(type: EntityType, name: string): string | undefined {
  return LOWER[type].get(name.toLowerCase());
}
