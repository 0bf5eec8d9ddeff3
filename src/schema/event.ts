import { resolveDeltaConnection } from './connection.js';
import { itemPrefer, lookupItem } from './graph-read.js';
import { argumentError, isPlausibleTimeZone, outlookTimeZone } from '../delta/resources/query-options.js';
import { events, type EventArgs } from '../delta/resources/events.js';
import { builder } from './builder.js';
import { DateTime } from './date-time.js';
import { deltaTypes } from './delta-types.js';
import { bool, int, obj, objs, str, strs, type GraphObject } from './graph-object.js';
import { Attendee, DateTimeTimeZone, ItemBody, Location, OnlineMeetingInfo, PatternedRecurrence, Recipient, ResponseStatus } from './outlook-types.js';

export const Event = builder.objectRef<GraphObject>('Event').implement({
  description:
    'An event in a calendarView (Graph v1.0 `event`): single instances, occurrences and exceptions of series. Occurrences carry few properties; read the rest from the series master.',
  fields: (t) => ({
    id: t.id({ nullable: false, description: 'Graph id (immutable when GRAPH_IMMUTABLE_IDS is on).', resolve: (o) => String(o['id']) }),
    subject: t.string({ description: 'Subject.', resolve: str('subject') }),
    bodyPreview: t.string({ description: 'Preview of the body, as text.', resolve: str('bodyPreview') }),
    body: t.field({ type: ItemBody, description: 'Body.', resolve: obj('body') }),
    start: t.field({ type: DateTimeTimeZone, description: 'Start, in the zone of `timeZone` (UTC by default).', resolve: obj('start') }),
    end: t.field({ type: DateTimeTimeZone, description: 'End, in the zone of `timeZone` (UTC by default).', resolve: obj('end') }),
    originalStart: t.field({ type: DateTime, description: 'Original start of an exception occurrence.', resolve: str('originalStart') }),
    originalStartTimeZone: t.string({ description: 'Time zone the event was created in (start).', resolve: str('originalStartTimeZone') }),
    originalEndTimeZone: t.string({ description: 'Time zone the event was created in (end).', resolve: str('originalEndTimeZone') }),
    isAllDay: t.boolean({ description: 'Whether it lasts all day.', resolve: bool('isAllDay') }),
    isCancelled: t.boolean({ description: 'Whether it was cancelled.', resolve: bool('isCancelled') }),
    isDraft: t.boolean({ description: 'Whether it is a draft meeting not yet sent.', resolve: bool('isDraft') }),
    isOrganizer: t.boolean({ description: 'Whether the user organises it.', resolve: bool('isOrganizer') }),
    isOnlineMeeting: t.boolean({ description: 'Whether it is an online meeting.', resolve: bool('isOnlineMeeting') }),
    onlineMeeting: t.field({ type: OnlineMeetingInfo, description: 'How to join the online meeting.', resolve: obj('onlineMeeting') }),
    onlineMeetingProvider: t.string({ description: 'teamsForBusiness, skypeForBusiness, …', resolve: str('onlineMeetingProvider') }),
    onlineMeetingUrl: t.string({ description: 'URL of the online meeting (legacy).', resolve: str('onlineMeetingUrl') }),
    isReminderOn: t.boolean({ description: 'Whether a reminder is set.', resolve: bool('isReminderOn') }),
    reminderMinutesBeforeStart: t.int({ description: 'Minutes before start that the reminder fires.', resolve: int('reminderMinutesBeforeStart') }),
    organizer: t.field({ type: Recipient, description: 'Organizer.', resolve: obj('organizer') }),
    attendees: t.field({ type: [Attendee], nullable: { list: true, items: false }, description: 'Attendees.', resolve: objs('attendees') }),
    hideAttendees: t.boolean({ description: 'Whether attendees see only themselves.', resolve: bool('hideAttendees') }),
    responseRequested: t.boolean({ description: 'Whether the organizer asks for responses.', resolve: bool('responseRequested') }),
    responseStatus: t.field({ type: ResponseStatus, description: 'The user’s response.', resolve: obj('responseStatus') }),
    allowNewTimeProposals: t.boolean({ description: 'Whether attendees may propose another time.', resolve: bool('allowNewTimeProposals') }),
    location: t.field({ type: Location, description: 'Location.', resolve: obj('location') }),
    locations: t.field({ type: [Location], nullable: { list: true, items: false }, description: 'All locations.', resolve: objs('locations') }),
    recurrence: t.field({ type: PatternedRecurrence, description: 'Recurrence of a series master.', resolve: obj('recurrence') }),
    type: t.string({ description: 'singleInstance, occurrence, exception or seriesMaster.', resolve: str('type') }),
    seriesMasterId: t.string({ description: 'Id of the series master, for occurrences and exceptions.', resolve: str('seriesMasterId') }),
    cancelledOccurrences: t.stringList({ nullable: { list: true, items: false }, description: 'Cancelled occurrences of a series.', resolve: strs('cancelledOccurrences') }),
    iCalUId: t.string({ description: 'iCalendar UID, shared across calendars.', resolve: str('iCalUId') }),
    importance: t.string({ description: 'low, normal or high.', resolve: str('importance') }),
    sensitivity: t.string({ description: 'normal, personal, private or confidential.', resolve: str('sensitivity') }),
    showAs: t.string({ description: 'free, tentative, busy, oof, workingElsewhere or unknown.', resolve: str('showAs') }),
    categories: t.stringList({ nullable: { list: true, items: false }, description: 'Categories.', resolve: strs('categories') }),
    hasAttachments: t.boolean({ description: 'Whether it has attachments.', resolve: bool('hasAttachments') }),
    webLink: t.string({ description: 'URL to open it in Outlook on the web.', resolve: str('webLink') }),
    transactionId: t.string({ description: 'Client-set id that avoids duplicate creation.', resolve: str('transactionId') }),
    changeKey: t.string({ description: 'Version of the event; changes with every change.', resolve: str('changeKey') }),
    createdDateTime: t.field({ type: DateTime, description: 'When it was created.', resolve: str('createdDateTime') }),
    lastModifiedDateTime: t.field({ type: DateTime, description: 'When it was last changed.', resolve: str('lastModifiedDateTime') }),
  }),
});

export const EventDelta = deltaTypes(Event, 'Event', 'event');

builder.queryField('eventsDelta', (t) =>
  t.connection(
    {
      type: Event,
      nullable: false,
      description: 'GET /me/calendarView/delta?startDateTime&endDateTime (or /me/calendars/{calendarId}/calendarView/delta). The range is required unless `after` is given.',
      args: {
        userId: t.arg.id({ description: 'Another user (`/users/{userId}/…`); omit for the signed-in user (`/me/…`).' }),
        calendarId: t.arg.id({ description: 'Another calendar than the default one (`/calendars/{calendarId}/calendarView/delta`).' }),
        startDateTime: t.arg({ type: DateTime, description: 'Start of the window (required on a new round; before `endDateTime`).' }),
        endDateTime: t.arg({ type: DateTime, description: 'End of the window (required on a new round).' }),
        timeZone: t.arg.string({ description: 'Zone of `start`/`end` in the answer (`Prefer: outlook.timezone`), IANA or Windows name; UTC by default.' }),
      },
      resolve: (_root, args, context, info) => resolveDeltaConnection(events, args as unknown as EventArgs, context, info) as never,
    },
    EventDelta.Connection,
  ),
);

builder.queryField('event', (t) =>
  t.field({
    type: Event,
    nullable: true,
    description: 'GET /me/events/{id} (v1.0); null when Graph has no such event. `timeZone` sets `Prefer: outlook.timezone`.',
    args: {
      id: t.arg.id({ required: true, description: 'Event id.' }),
      userId: t.arg.id({ description: 'Another user (`/users/{userId}/…`); omit for the signed-in user.' }),
      timeZone: t.arg.string({ description: 'Zone of `start`/`end` in the answer, IANA or Windows name; UTC by default.' }),
    },
    resolve: (_root, args, context, info) => {
      const prefer = itemPrefer(context);
      if (args.timeZone !== undefined && args.timeZone !== null) {
        if (!isPlausibleTimeZone(args.timeZone)) {
          throw argumentError('BAD_USER_INPUT', { name: 'events', field: 'event' }, 'timeZone', 'not a time zone name (an IANA name such as Europe/Paris or a Windows id such as Pacific Standard Time).');
        }
        prefer.push(outlookTimeZone(args.timeZone));
      }
      // Event reads take no $select here: the connections send none for events either.
      return lookupItem(context, info, { field: 'event', resource: 'events' }, { collection: 'events', id: String(args.id), userId: args.userId as string | null | undefined, select: false, prefer });
    },
  }),
);
