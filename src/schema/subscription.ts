import type { GraphQLResolveInfo } from 'graphql';
import type { GatewayContext } from './context.js';
import { calendars, type CalendarArgs } from '../delta/resources/calendars.js';
import { contacts, type ContactArgs } from '../delta/resources/contacts.js';
import { events, type EventArgs } from '../delta/resources/events.js';
import { messages, type MessageArgs } from '../delta/resources/messages.js';
import type { CommonDeltaArgs, DeltaResource } from '../delta/resources/types.js';
import type { PollEvent } from '../poll/poller.js';
import { subscribeToChanges } from './subscribe.js';
import { whoOf } from './connection.js';
import { builder } from './builder.js';
import { CalendarDelta } from './calendar.js';
import { ContactDelta } from './contact.js';
import { DateTime } from './date-time.js';
import type { DeltaBatch } from '../poll/batch.js';
import { EventDelta } from './event.js';
import { ChangeType, MessageDelta } from './message.js';

const userId = (t: PothosSchemaTypes.SubscriptionFieldBuilder<typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never, {}>) =>
  t.arg.id({ description: 'Another user (`/users/{userId}/…`); omit for the signed-in user.' });

const AFTER_DESCRIPTION = 'A round-end cursor to resume from.';

function subscribe<A extends CommonDeltaArgs>(resource: DeltaResource<A>) {
  return (_root: unknown, args: unknown, context: GatewayContext, info: GraphQLResolveInfo) =>
    subscribeToChanges(context.services.pollers, resource, args as A, context, info);
}

/** A batch, or the error that ends the subscription (RESYNC_REQUIRED, UNAUTHENTICATED, …) as its last result. */
function resolveEvent(resource: DeltaResource, event: PollEvent, args: { userId?: unknown }, context: GatewayContext): DeltaBatch {
  if ('end' in event) throw event.end;
  // Relationship fields (parentFolder) of the batch's items read the subscription's mailbox.
  const who = whoOf(resource, typeof args.userId === 'string' ? args.userId : undefined);
  for (const edge of event.edges) context.owners.set(edge.node, who);
  return event;
}

builder.subscriptionType({ description: 'Changes pushed as they happen (SSE or graphql-transport-ws on /graphql).' });

builder.subscriptionFields((t) => ({
  calendarsChanged: t.field({
    type: CalendarDelta.Batch,
    nullable: false,
    description: 'Calendar changes, one batch per poll that finds some.',
    args: { userId: userId(t), after: t.arg.string({ description: AFTER_DESCRIPTION }) },
    subscribe: subscribe<CalendarArgs>(calendars) as never,
    resolve: (event, args, context) => resolveEvent(calendars, event as unknown as PollEvent, args, context),
  }),
  eventsChanged: t.field({
    type: EventDelta.Batch,
    nullable: false,
    description: 'Event changes in a calendarView window, one batch per poll that finds some.',
    args: {
      userId: userId(t),
      calendarId: t.arg.id({ description: 'Another calendar than the default one.' }),
      startDateTime: t.arg({ type: DateTime, description: 'Start of the window (required without `after`).' }),
      endDateTime: t.arg({ type: DateTime, description: 'End of the window (required without `after`).' }),
      timeZone: t.arg.string({ description: 'Zone of `start`/`end` in the answer.' }),
      after: t.arg.string({ description: AFTER_DESCRIPTION }),
    },
    subscribe: subscribe<EventArgs>(events) as never,
    resolve: (event, args, context) => resolveEvent(events, event as unknown as PollEvent, args, context),
  }),
  contactsChanged: t.field({
    type: ContactDelta.Batch,
    nullable: false,
    description: 'Contact changes in a folder, one batch per poll that finds some.',
    args: {
      userId: userId(t),
      folderId: t.arg.id({ required: true, description: 'Contact folder id.' }),
      after: t.arg.string({ description: AFTER_DESCRIPTION }),
    },
    subscribe: subscribe<ContactArgs>(contacts) as never,
    resolve: (event, args, context) => resolveEvent(contacts, event as unknown as PollEvent, args, context),
  }),
  messagesChanged: t.field({
    type: MessageDelta.Batch,
    nullable: false,
    description: 'Message changes in a folder, one batch per poll that finds some.',
    args: {
      userId: userId(t),
      folderId: t.arg.id({ required: true, description: 'Mail folder id or well-known name.' }),
      changeType: t.arg({ type: ChangeType, description: 'Only this kind of change.' }),
      after: t.arg.string({ description: AFTER_DESCRIPTION }),
    },
    subscribe: subscribe<MessageArgs>(messages) as never,
    resolve: (event, args, context) => resolveEvent(messages, event as unknown as PollEvent, args, context),
  }),
}));
