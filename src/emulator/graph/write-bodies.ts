import { canonicalProperty, READ_ONLY, type EntityType } from './entity-properties.js';
import { badRequest } from '../http/graph-error.js';
import type { Json } from '../data/store.js';
import { validateRecurrence } from '../calendar/recurrence.js';
import { parseDateTimeTimeZone, parseIsoDateTime } from '../calendar/time-zones.js';

const STRINGS = new Set([
  'subject', 'name', 'displayName', 'givenName', 'surname', 'middleName', 'nickName', 'title', 'jobTitle', 'companyName',
  'department', 'officeLocation', 'profession', 'fileAs', 'initials', 'mobilePhone', 'personalNotes', 'hexColor', 'color',
  'importance', 'sensitivity', 'showAs', 'internetMessageId', 'inferenceClassification', 'transactionId',
]);
const BOOLEANS = new Set([
  'isRead', 'isDraft', 'isAllDay', 'isCancelled', 'isReminderOn', 'isOnlineMeeting', 'responseRequested', 'hideAttendees',
  'allowNewTimeProposals', 'isReadReceiptRequested', 'isDeliveryReceiptRequested',
]);
const DATE_TIMES = new Set(['receivedDateTime', 'sentDateTime', 'birthday']);
const ARRAYS = new Set([
  'categories', 'toRecipients', 'ccRecipients', 'bccRecipients', 'replyTo', 'attendees', 'emailAddresses', 'businessPhones',
  'homePhones', 'imAddresses', 'children', 'locations', 'internetMessageHeaders',
]);
const ENUMS: Record<string, readonly string[]> = {
  importance: ['low', 'normal', 'high'],
  sensitivity: ['normal', 'personal', 'private', 'confidential'],
  showAs: ['unknown', 'free', 'tentative', 'busy', 'oof', 'workingElsewhere'],
};

const invalid = (type: EntityType, prop: string, detail: string) =>
  badRequest(`Invalid value for property '${prop}' of type 'microsoft.graph.${type}': ${detail}.`);

/**
 * Checks a POST/PATCH body the way Graph's OData reader does: unknown properties and wrong types are 400s,
 * read-only properties are ignored. Returns the writable part with property names in their declared case.
 */
export function checkBody(type: EntityType, body: Json): Json {
  const out: Json = {};
  for (const [raw, value] of Object.entries(body)) {
    if (raw.startsWith('@odata.')) continue;
    const prop = canonicalProperty(type, raw);
    if (prop === undefined) {
      throw badRequest(
        `The property '${raw}' does not exist on type 'microsoft.graph.${type}'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
      );
    }
    if (READ_ONLY.has(prop)) continue;
    if (value === null) {
      out[prop] = null;
      continue;
    }
    if (STRINGS.has(prop) && typeof value !== 'string') throw invalid(type, prop, 'a string is expected');
    if (ENUMS[prop] && !ENUMS[prop].includes(value as string)) throw invalid(type, prop, `expected one of ${ENUMS[prop].join(', ')}`);
    if (BOOLEANS.has(prop) && typeof value !== 'boolean') throw invalid(type, prop, 'a boolean is expected');
    if (ARRAYS.has(prop) && !Array.isArray(value)) throw invalid(type, prop, 'a collection is expected');
    if (DATE_TIMES.has(prop) && (typeof value !== 'string' || parseIsoDateTime(value) === undefined)) {
      throw badRequest(`Cannot convert the literal '${String(value)}' to the expected type 'Edm.DateTimeOffset'.`);
    }
    if (prop === 'body' && (typeof value !== 'object' || Array.isArray(value))) throw invalid(type, prop, 'an itemBody object is expected');
    if ((prop === 'start' || prop === 'end') && type === 'event') checkDateTimeTimeZone(prop, value);
    if (prop === 'recurrence') checkRecurrence(value);
    out[prop] = value;
  }
  return out;
}

function checkDateTimeTimeZone(prop: string, value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest(`'${prop}' must be a dateTimeTimeZone object.`);
  const v = value as Record<string, unknown>;
  if (typeof v['dateTime'] !== 'string') throw badRequest(`'${prop}.dateTime' is required.`);
  if (v['timeZone'] !== undefined && typeof v['timeZone'] !== 'string') throw badRequest(`'${prop}.timeZone' must be a string.`);
  try {
    parseDateTimeTimeZone({ dateTime: v['dateTime'], timeZone: (v['timeZone'] as string | undefined) ?? 'UTC' });
  } catch {
    throw badRequest(`Cannot convert the literal '${v['dateTime']}' in '${prop}' to a date-time in time zone '${String(v['timeZone'] ?? 'UTC')}'.`);
  }
}

function checkRecurrence(value: unknown): void {
  const problem = validateRecurrence(value);
  if (problem !== undefined) throw badRequest(`Invalid recurrence: ${problem}.`, 'ErrorInvalidRecurrence');
}
