import { resolveDeltaConnection } from './connection.js';
import { lookupItem } from './graph-read.js';
import { calendars, type CalendarArgs } from '../delta/resources/calendars.js';
import { builder } from './builder.js';
import { deltaTypes } from './delta-types.js';
import { bool, obj, str, strs, type GraphObject } from './graph-object.js';
import { EmailAddress } from './outlook-types.js';

export const Calendar = builder.objectRef<GraphObject>('Calendar').implement({
  description: 'A calendar of the user (Graph `calendar`; calendar delta is a beta function).',
  fields: (t) => ({
    id: t.id({ nullable: false, description: 'Graph id (calendar ids do not change).', resolve: (o) => String(o['id']) }),
    name: t.string({ description: 'Name.', resolve: str('name') }),
    color: t.string({ description: 'Color theme (auto, lightBlue, …).', resolve: str('color') }),
    hexColor: t.string({ description: 'Color as #RRGGBB, empty when unset.', resolve: str('hexColor') }),
    isDefaultCalendar: t.boolean({ description: 'Whether it is the user’s default calendar.', resolve: bool('isDefaultCalendar') }),
    canEdit: t.boolean({ description: 'Whether the user can write to it.', resolve: bool('canEdit') }),
    canShare: t.boolean({ description: 'Whether the user can share it.', resolve: bool('canShare') }),
    canViewPrivateItems: t.boolean({ description: 'Whether the user can read private items.', resolve: bool('canViewPrivateItems') }),
    isRemovable: t.boolean({ description: 'Whether it can be deleted.', resolve: bool('isRemovable') }),
    isTallyingResponses: t.boolean({ description: 'Whether it supports tracking meeting responses.', resolve: bool('isTallyingResponses') }),
    isShared: t.boolean({ description: 'Whether the user shared it (beta).', resolve: bool('isShared') }),
    isSharedWithMe: t.boolean({ description: 'Whether it was shared with the user (beta).', resolve: bool('isSharedWithMe') }),
    calendarGroupId: t.string({ description: 'Calendar group (beta).', resolve: str('calendarGroupId') }),
    groupClassId: t.string({ description: 'Class id of the calendar group (beta).', resolve: str('groupClassId') }),
    changeKey: t.string({ description: 'Version of the calendar; changes with every change.', resolve: str('changeKey') }),
    owner: t.field({ type: EmailAddress, description: 'Owner (for shared calendars, the sharer).', resolve: obj('owner') }),
    allowedOnlineMeetingProviders: t.stringList({
      nullable: { list: true, items: false },
      description: 'Online meeting providers usable in this calendar.',
      resolve: strs('allowedOnlineMeetingProviders'),
    }),
    defaultOnlineMeetingProvider: t.string({ description: 'Default online meeting provider.', resolve: str('defaultOnlineMeetingProvider') }),
  }),
});

export const CalendarDelta = deltaTypes(Calendar, 'Calendar', 'calendar');

builder.queryField('calendarsDelta', (t) =>
  t.connection(
    {
      type: Calendar,
      nullable: false,
      description: 'GET /me/calendars/delta (beta) or /users/{userId}/calendars/delta.',
      args: {
        userId: t.arg.id({ description: 'Another user (`/users/{userId}/…`); omit for the signed-in user (`/me/…`).' }),
      },
      resolve: (_root, args, context, info) => resolveDeltaConnection(calendars, args as unknown as CalendarArgs, context, info) as never,
    },
    CalendarDelta.Connection,
  ),
);

builder.queryField('calendar', (t) =>
  t.field({
    type: Calendar,
    nullable: true,
    description: 'GET /me/calendars/{id} (v1.0); null when Graph has no such calendar.',
    args: {
      id: t.arg.id({ required: true, description: 'Calendar id.' }),
      userId: t.arg.id({ description: 'Another user (`/users/{userId}/…`); omit for the signed-in user.' }),
    },
    // Calendar ids are immutable already (no IdType); Graph's calendar reads take no $select we rely on.
    resolve: (_root, args, context, info) =>
      lookupItem(context, info, { field: 'calendar', resource: 'calendars' }, { collection: 'calendars', id: String(args.id), userId: args.userId as string | null | undefined, select: false, prefer: [] }),
  }),
);
