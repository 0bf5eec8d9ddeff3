import type { CommonDeltaArgs, DeltaResource } from './types.js';

export type CalendarArgs = CommonDeltaArgs;

// Calendar delta is documented in beta only (newer docs also show v1.0: configurable). Its docs both
// allow and forbid $select, so none is sent; calendar ids are already immutable (no IdType).
export const calendars = {
  name: 'calendars',
  field: 'calendarsDelta',
  version: (settings) => settings.graphCalendarsVersion,
  path: (who) => `${who}/calendars/delta`,
  selectable: false,
  immutableIds: false,
  translate: () => ({ options: {}, query: [], prefer: [] }),
} satisfies DeltaResource<CalendarArgs>;
