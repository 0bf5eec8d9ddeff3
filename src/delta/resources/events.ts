import { idSegment } from './ids.js';
import { argumentError, isoInstant, isPlausibleTimeZone, outlookTimeZone } from './query-options.js';
import type { QueryParam } from './query-options.js';
import type { CommonDeltaArgs, DeltaResource, RoundOptions } from './types.js';

export interface EventArgs extends CommonDeltaArgs {
  /** Another calendar than the default one (`/calendars/{id}/calendarView/delta`, v1.0 too). */
  calendarId?: string | null | undefined;
  startDateTime?: Date | null | undefined;
  endDateTime?: Date | null | undefined;
  timeZone?: string | null | undefined;
}

const EVENTS = { name: 'events', field: 'eventsDelta' } as const;

// calendarView delta: the window is required on the first request and then lives in Graph's tokens;
// Graph rejects $select/$filter/$orderby/$top here. outlook.timezone is not kept in tokens: resent on every page.
export const events = {
  name: 'events',
  field: 'eventsDelta',
  version: () => 'v1.0',
  path: (who, args): string =>
    args.calendarId === undefined || args.calendarId === null
      ? `${who}/calendarView/delta`
      : `${who}/calendars/${idSegment(EVENTS, 'calendarId', args.calendarId)}/calendarView/delta`,
  selectable: false,
  immutableIds: true,
  translate(args, { newRound }) {
    const { startDateTime: start, endDateTime: end, timeZone } = args;
    if (newRound) {
      for (const [argument, value] of [['startDateTime', start], ['endDateTime', end]] as const) {
        if (!value) throw argumentError('BAD_USER_INPUT', events, argument, 'required when a round starts (without `after`): calendarView delta needs a time window.');
      }
    }
    if (start && end && start.getTime() >= end.getTime()) {
      throw argumentError('BAD_USER_INPUT', events, 'startDateTime', 'must be before `endDateTime`.');
    }
    const options: RoundOptions = {};
    const query: QueryParam[] = [];
    const prefer: string[] = [];
    if (args.calendarId !== undefined && args.calendarId !== null) {
      idSegment(EVENTS, 'calendarId', args.calendarId);
      options['calendarId'] = args.calendarId;
    }
    if (start) {
      options['startDateTime'] = isoInstant(start);
      query.push(['startDateTime', isoInstant(start)]);
    }
    if (end) {
      options['endDateTime'] = isoInstant(end);
      query.push(['endDateTime', isoInstant(end)]);
    }
    if (timeZone !== undefined && timeZone !== null) {
      if (!isPlausibleTimeZone(timeZone)) {
        throw argumentError('BAD_USER_INPUT', events, 'timeZone', 'not a time zone name (an IANA name such as Europe/Paris or a Windows id such as Pacific Standard Time).');
      }
      options['timeZone'] = timeZone;
      prefer.push(outlookTimeZone(timeZone));
    }
    return { options, query, prefer };
  },
} satisfies DeltaResource<EventArgs>;
