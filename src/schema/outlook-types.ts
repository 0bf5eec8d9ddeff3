import { builder } from './builder.js';
import { DateTime } from './date-time.js';
import { float, int, obj, objs, str, strs, type GraphObject } from './graph-object.js';

// Graph's complex types shared by the entities (v1.0 CSDL names). Enum-valued properties are
// Strings: Graph adds members over time and a new one must not break a sync.

export const EmailAddress = builder.objectRef<GraphObject>('EmailAddress').implement({
  description: 'An email address and the display name that goes with it.',
  fields: (t) => ({
    name: t.string({ description: 'Display name.', resolve: str('name') }),
    address: t.string({ description: 'SMTP address.', resolve: str('address') }),
  }),
});

export const Recipient = builder.objectRef<GraphObject>('Recipient').implement({
  description: 'A sender or recipient of a message or event.',
  fields: (t) => ({
    emailAddress: t.field({ type: EmailAddress, description: 'The recipient’s address.', resolve: obj('emailAddress') }),
  }),
});

export const ItemBody = builder.objectRef<GraphObject>('ItemBody').implement({
  description: 'Body of a message or event.',
  fields: (t) => ({
    contentType: t.string({ description: '`text` or `html`.', resolve: str('contentType') }),
    content: t.string({ description: 'The content.', resolve: str('content') }),
  }),
});

export const DateTimeTimeZone = builder.objectRef<GraphObject>('DateTimeTimeZone').implement({
  description: 'A local date-time and its time zone, as Outlook writes event times (`Prefer: outlook.timezone` picks the zone).',
  fields: (t) => ({
    dateTime: t.string({ description: 'Local date-time without offset, e.g. 2024-05-01T08:00:00.0000000.', resolve: str('dateTime') }),
    timeZone: t.string({ description: 'Time zone of `dateTime`, e.g. UTC or Pacific Standard Time.', resolve: str('timeZone') }),
  }),
});

export const PhysicalAddress = builder.objectRef<GraphObject>('PhysicalAddress').implement({
  description: 'A postal address.',
  fields: (t) => ({
    street: t.string({ description: 'Street.', resolve: str('street') }),
    city: t.string({ description: 'City.', resolve: str('city') }),
    state: t.string({ description: 'State or province.', resolve: str('state') }),
    postalCode: t.string({ description: 'Postal code.', resolve: str('postalCode') }),
    countryOrRegion: t.string({ description: 'Country or region.', resolve: str('countryOrRegion') }),
  }),
});

export const OutlookGeoCoordinates = builder.objectRef<GraphObject>('OutlookGeoCoordinates').implement({
  description: 'Geographic coordinates of a location.',
  fields: (t) => ({
    latitude: t.float({ description: 'Latitude.', resolve: float('latitude') }),
    longitude: t.float({ description: 'Longitude.', resolve: float('longitude') }),
    altitude: t.float({ description: 'Altitude.', resolve: float('altitude') }),
    accuracy: t.float({ description: 'Accuracy of latitude and longitude, in meters.', resolve: float('accuracy') }),
    altitudeAccuracy: t.float({ description: 'Accuracy of the altitude.', resolve: float('altitudeAccuracy') }),
  }),
});

export const Location = builder.objectRef<GraphObject>('Location').implement({
  description: 'Where an event takes place.',
  fields: (t) => ({
    displayName: t.string({ description: 'Name of the location.', resolve: str('displayName') }),
    locationEmailAddress: t.string({ description: 'Email address of the location (e.g. a room).', resolve: str('locationEmailAddress') }),
    locationType: t.string({ description: 'default, conferenceRoom, homeAddress, businessAddress, …', resolve: str('locationType') }),
    locationUri: t.string({ description: 'URI of the location.', resolve: str('locationUri') }),
    uniqueId: t.string({ description: 'Identifier of the location (internal use).', resolve: str('uniqueId') }),
    uniqueIdType: t.string({ description: 'Type of `uniqueId` (internal use).', resolve: str('uniqueIdType') }),
    address: t.field({ type: PhysicalAddress, description: 'Street address.', resolve: obj('address') }),
    coordinates: t.field({ type: OutlookGeoCoordinates, description: 'Coordinates.', resolve: obj('coordinates') }),
  }),
});

export const ResponseStatus = builder.objectRef<GraphObject>('ResponseStatus').implement({
  description: 'An attendee’s or the user’s response to a meeting request.',
  fields: (t) => ({
    response: t.string({ description: 'none, organizer, tentativelyAccepted, accepted, declined, notResponded.', resolve: str('response') }),
    time: t.field({ type: DateTime, description: 'When the response was returned.', resolve: str('time') }),
  }),
});

export const TimeSlot = builder.objectRef<GraphObject>('TimeSlot').implement({
  description: 'A time span.',
  fields: (t) => ({
    start: t.field({ type: DateTimeTimeZone, description: 'Start.', resolve: obj('start') }),
    end: t.field({ type: DateTimeTimeZone, description: 'End.', resolve: obj('end') }),
  }),
});

export const Attendee = builder.objectRef<GraphObject>('Attendee').implement({
  description: 'An attendee of an event.',
  fields: (t) => ({
    emailAddress: t.field({ type: EmailAddress, description: 'The attendee’s address.', resolve: obj('emailAddress') }),
    type: t.string({ description: 'required, optional or resource.', resolve: str('type') }),
    status: t.field({ type: ResponseStatus, description: 'The attendee’s response.', resolve: obj('status') }),
    proposedNewTime: t.field({ type: TimeSlot, description: 'A new time the attendee proposed.', resolve: obj('proposedNewTime') }),
  }),
});

export const RecurrencePattern = builder.objectRef<GraphObject>('RecurrencePattern').implement({
  description: 'How often a recurring event repeats.',
  fields: (t) => ({
    type: t.string({ description: 'daily, weekly, absoluteMonthly, relativeMonthly, absoluteYearly, relativeYearly.', resolve: str('type') }),
    interval: t.int({ description: 'Units of `type` between occurrences.', resolve: int('interval') }),
    month: t.int({ description: 'Month (1–12) for yearly patterns.', resolve: int('month') }),
    dayOfMonth: t.int({ description: 'Day of the month for absolute patterns.', resolve: int('dayOfMonth') }),
    daysOfWeek: t.stringList({ nullable: { list: true, items: false }, description: 'Days of the week (sunday…saturday).', resolve: strs('daysOfWeek') }),
    firstDayOfWeek: t.string({ description: 'First day of the week for weekly patterns.', resolve: str('firstDayOfWeek') }),
    index: t.string({ description: 'first, second, third, fourth or last, for relative patterns.', resolve: str('index') }),
  }),
});

export const RecurrenceRange = builder.objectRef<GraphObject>('RecurrenceRange').implement({
  description: 'How long a recurring event repeats.',
  fields: (t) => ({
    type: t.string({ description: 'endDate, noEnd or numbered.', resolve: str('type') }),
    startDate: t.string({ description: 'First day (YYYY-MM-DD).', resolve: str('startDate') }),
    endDate: t.string({ description: 'Last day (YYYY-MM-DD) for `endDate` ranges.', resolve: str('endDate') }),
    numberOfOccurrences: t.int({ description: 'Occurrences for `numbered` ranges.', resolve: int('numberOfOccurrences') }),
    recurrenceTimeZone: t.string({ description: 'Time zone of the dates.', resolve: str('recurrenceTimeZone') }),
  }),
});

export const PatternedRecurrence = builder.objectRef<GraphObject>('PatternedRecurrence').implement({
  description: 'The recurrence of a series master.',
  fields: (t) => ({
    pattern: t.field({ type: RecurrencePattern, description: 'How often.', resolve: obj('pattern') }),
    range: t.field({ type: RecurrenceRange, description: 'How long.', resolve: obj('range') }),
  }),
});

export const Phone = builder.objectRef<GraphObject>('Phone').implement({
  description: 'A phone number.',
  fields: (t) => ({
    number: t.string({ description: 'The number.', resolve: str('number') }),
    type: t.string({ description: 'home, business, mobile, …', resolve: str('type') }),
    language: t.string({ description: 'Language.', resolve: str('language') }),
    region: t.string({ description: 'Region.', resolve: str('region') }),
  }),
});

export const OnlineMeetingInfo = builder.objectRef<GraphObject>('OnlineMeetingInfo').implement({
  description: 'How to join an online meeting.',
  fields: (t) => ({
    joinUrl: t.string({ description: 'URL to join.', resolve: str('joinUrl') }),
    conferenceId: t.string({ description: 'Conference id.', resolve: str('conferenceId') }),
    tollNumber: t.string({ description: 'Toll number.', resolve: str('tollNumber') }),
    tollFreeNumbers: t.stringList({ nullable: { list: true, items: false }, description: 'Toll-free numbers.', resolve: strs('tollFreeNumbers') }),
    quickDial: t.string({ description: 'Pre-formatted quick dial.', resolve: str('quickDial') }),
    phones: t.field({ type: [Phone], nullable: { list: true, items: false }, description: 'Phone numbers.', resolve: objs('phones') }),
  }),
});

export const FollowupFlag = builder.objectRef<GraphObject>('FollowupFlag').implement({
  description: 'A message’s follow-up flag.',
  fields: (t) => ({
    flagStatus: t.string({ description: 'notFlagged, complete or flagged.', resolve: str('flagStatus') }),
    startDateTime: t.field({ type: DateTimeTimeZone, description: 'When follow-up starts.', resolve: obj('startDateTime') }),
    dueDateTime: t.field({ type: DateTimeTimeZone, description: 'When follow-up is due.', resolve: obj('dueDateTime') }),
    completedDateTime: t.field({ type: DateTimeTimeZone, description: 'When follow-up was completed.', resolve: obj('completedDateTime') }),
  }),
});

export const InternetMessageHeader = builder.objectRef<GraphObject>('InternetMessageHeader').implement({
  description: 'An internet message header (RFC 5322).',
  fields: (t) => ({
    name: t.string({ description: 'Header name.', resolve: str('name') }),
    value: t.string({ description: 'Header value.', resolve: str('value') }),
  }),
});

