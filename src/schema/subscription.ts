import { gatewayError } from '../errors.js';
import { builder } from './builder.js';
import { CalendarDelta } from './calendar.js';
import { ContactDelta } from './contact.js';
import { DateTime } from './date-time.js';
import { EventDelta } from './event.js';
import { ChangeType, MessageDelta } from './message.js';
import type { DeltaBatch } from './delta-types.js';

// The subscription fields are part of the contract; their shared pollers (src/poll/) come next.
async function* notYet(field: string): AsyncGenerator<DeltaBatch> {
  yield* [];
  throw gatewayError('UNSUPPORTED_QUERY_OPTION', `\`${field}\` is not served by this version of the gateway yet; poll the matching query field with its round-end cursor.`);
}

const userId = (t: PothosSchemaTypes.SubscriptionFieldBuilder<typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never, {}>) =>
  t.arg.id({ description: 'Another user (`/users/{userId}/…`); omit for the signed-in user.' });

builder.subscriptionType({ description: 'Changes pushed as they happen (SSE or graphql-transport-ws on /graphql).' });

builder.subscriptionFields((t) => ({
  calendarsChanged: t.field({
    type: CalendarDelta.Batch,
    nullable: false,
    description: 'Calendar changes, one batch per poll that finds some.',
    args: { userId: userId(t), after: t.arg.string({ description: 'A round-end cursor to resume from.' }) },
    subscribe: () => notYet('calendarsChanged'),
    resolve: (batch) => batch,
  }),
  eventsChanged: t.field({
    type: EventDelta.Batch,
    nullable: false,
    description: 'Event changes in a calendarView window, one batch per poll that finds some.',
    args: {
      userId: userId(t),
      startDateTime: t.arg({ type: DateTime, description: 'Start of the window (required without `after`).' }),
      endDateTime: t.arg({ type: DateTime, description: 'End of the window (required without `after`).' }),
      timeZone: t.arg.string({ description: 'Zone of `start`/`end` in the answer.' }),
      after: t.arg.string({ description: 'A round-end cursor to resume from.' }),
    },
    subscribe: () => notYet('eventsChanged'),
    resolve: (batch) => batch,
  }),
  contactsChanged: t.field({
    type: ContactDelta.Batch,
    nullable: false,
    description: 'Contact changes in a folder, one batch per poll that finds some.',
    args: {
      userId: userId(t),
      folderId: t.arg.id({ required: true, description: 'Contact folder id.' }),
      after: t.arg.string({ description: 'A round-end cursor to resume from.' }),
    },
    subscribe: () => notYet('contactsChanged'),
    resolve: (batch) => batch,
  }),
  messagesChanged: t.field({
    type: MessageDelta.Batch,
    nullable: false,
    description: 'Message changes in a folder, one batch per poll that finds some.',
    args: {
      userId: userId(t),
      folderId: t.arg.id({ required: true, description: 'Mail folder id or well-known name.' }),
      changeType: t.arg({ type: ChangeType, description: 'Only this kind of change.' }),
      after: t.arg.string({ description: 'A round-end cursor to resume from.' }),
    },
    subscribe: () => notYet('messagesChanged'),
    resolve: (batch) => batch,
  }),
}));
