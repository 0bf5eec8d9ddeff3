import { resolveDeltaConnection } from './connection.js';
import { itemPrefer, lookupItem } from './graph-read.js';
import { messages, type MessageArgs } from '../delta/resources/messages.js';
import { builder } from './builder.js';
import { DateTime } from './date-time.js';
import { deltaTypes } from './delta-types.js';
import { bool, obj, objs, str, strs, type GraphObject } from './graph-object.js';
import { FollowupFlag, InternetMessageHeader, ItemBody, Recipient } from './outlook-types.js';

export const Message = builder.objectRef<GraphObject>('Message').implement({
  description: 'An Outlook message (Graph v1.0 `message`). Only the fields selected in the round’s first query are fetched ($select).',
  fields: (t) => ({
    id: t.id({ nullable: false, description: 'Graph id (immutable when GRAPH_IMMUTABLE_IDS is on).', resolve: (o) => String(o['id']) }),
    subject: t.string({ description: 'Subject.', resolve: str('subject') }),
    bodyPreview: t.string({ description: 'First 255 characters of the body, as text.', resolve: str('bodyPreview') }),
    body: t.field({ type: ItemBody, description: 'Body (HTML or text).', resolve: obj('body') }),
    uniqueBody: t.field({ type: ItemBody, description: 'The part of the body unique to this message in its conversation.', resolve: obj('uniqueBody') }),
    from: t.field({ type: Recipient, description: 'The mailbox owner the message is from.', resolve: obj('from') }),
    sender: t.field({ type: Recipient, description: 'The account that actually sent it (differs from `from` for delegates).', resolve: obj('sender') }),
    toRecipients: t.field({ type: [Recipient], nullable: { list: true, items: false }, description: 'To recipients.', resolve: objs('toRecipients') }),
    ccRecipients: t.field({ type: [Recipient], nullable: { list: true, items: false }, description: 'Cc recipients.', resolve: objs('ccRecipients') }),
    bccRecipients: t.field({ type: [Recipient], nullable: { list: true, items: false }, description: 'Bcc recipients.', resolve: objs('bccRecipients') }),
    replyTo: t.field({ type: [Recipient], nullable: { list: true, items: false }, description: 'Addresses to reply to.', resolve: objs('replyTo') }),
    receivedDateTime: t.field({ type: DateTime, description: 'When it was received.', resolve: str('receivedDateTime') }),
    sentDateTime: t.field({ type: DateTime, description: 'When it was sent.', resolve: str('sentDateTime') }),
    isRead: t.boolean({ description: 'Whether it has been read.', resolve: bool('isRead') }),
    isDraft: t.boolean({ description: 'Whether it is a draft (not sent yet).', resolve: bool('isDraft') }),
    hasAttachments: t.boolean({ description: 'Whether it has attachments (inline ones excluded).', resolve: bool('hasAttachments') }),
    importance: t.string({ description: 'low, normal or high.', resolve: str('importance') }),
    inferenceClassification: t.string({ description: 'focused or other.', resolve: str('inferenceClassification') }),
    categories: t.stringList({ nullable: { list: true, items: false }, description: 'Categories.', resolve: strs('categories') }),
    flag: t.field({ type: FollowupFlag, description: 'Follow-up flag.', resolve: obj('flag') }),
    internetMessageId: t.string({ description: 'RFC 2822 Message-ID.', resolve: str('internetMessageId') }),
    internetMessageHeaders: t.field({
      type: [InternetMessageHeader],
      nullable: { list: true, items: false },
      description: 'Internet headers (only when selected).',
      resolve: objs('internetMessageHeaders'),
    }),
    conversationId: t.string({ description: 'Conversation (thread) id.', resolve: str('conversationId') }),
    conversationIndex: t.string({ description: 'Position in the conversation (base64).', resolve: str('conversationIndex') }),
    parentFolderId: t.string({ description: 'Id of the mail folder.', resolve: str('parentFolderId') }),
    isDeliveryReceiptRequested: t.boolean({ description: 'Whether a delivery receipt is requested.', resolve: bool('isDeliveryReceiptRequested') }),
    isReadReceiptRequested: t.boolean({ description: 'Whether a read receipt is requested.', resolve: bool('isReadReceiptRequested') }),
    webLink: t.string({ description: 'URL to open it in Outlook on the web.', resolve: str('webLink') }),
    changeKey: t.string({ description: 'Version of the message; changes with every change.', resolve: str('changeKey') }),
    createdDateTime: t.field({ type: DateTime, description: 'When it was created.', resolve: str('createdDateTime') }),
    lastModifiedDateTime: t.field({ type: DateTime, description: 'When it was last changed.', resolve: str('lastModifiedDateTime') }),
  }),
});

export const ChangeType = builder.enumType('ChangeType', {
  description: 'Graph’s changeType query option (messages only).',
  values: {
    CREATED: { value: 'created', description: 'Only messages created since the round’s start.' },
    UPDATED: { value: 'updated', description: 'Only messages updated.' },
    DELETED: { value: 'deleted', description: 'Only messages deleted.' },
  } as const,
});

export const DateTimeBound = builder.inputType('DateTimeBound', {
  description: 'Exactly one of gt / ge.',
  fields: (t) => ({
    gt: t.field({ type: DateTime, description: 'Strictly after.' }),
    ge: t.field({ type: DateTime, description: 'At or after.' }),
  }),
});

export const MessageDeltaFilter = builder.inputType('MessageDeltaFilter', {
  description: 'The only $filter that Graph accepts on message delta.',
  fields: (t) => ({
    receivedDateTime: t.field({ type: DateTimeBound, required: true, description: 'Sent as `$filter=receivedDateTime gt|ge …`.' }),
  }),
});

export const MessageDeltaOrder = builder.enumType('MessageDeltaOrder', {
  description: 'The only $orderby that Graph accepts on message delta.',
  values: {
    RECEIVED_DATE_TIME_DESC: { value: 'receivedDateTime desc', description: '`$orderby=receivedDateTime desc`: newest first.' },
  } as const,
});

export const MessageDelta = deltaTypes(Message, 'Message', 'message');

builder.queryField('messagesDelta', (t) =>
  t.connection(
    {
      type: Message,
      nullable: false,
      description: 'GET /me/mailFolders/{folderId}/messages/delta. folderId also takes well-known names such as inbox.',
      args: {
        userId: t.arg.id({ description: 'Another mailbox (`/users/{userId}/…`); omit for the signed-in user (`/me/…`).' }),
        folderId: t.arg.id({ required: true, description: 'Mail folder id or well-known name (inbox, sentitems, …).' }),
        changeType: t.arg({ type: ChangeType, description: 'Only this kind of change (`changeType=`).' }),
        filter: t.arg({ type: MessageDeltaFilter, description: 'Only messages received after a point in time.' }),
        orderBy: t.arg({ type: MessageDeltaOrder, description: 'Order (otherwise Graph’s order is not guaranteed).' }),
      },
      resolve: (_root, args, context, info) => resolveDeltaConnection(messages, args as unknown as MessageArgs, context, info) as never,
    },
    MessageDelta.Connection,
  ),
);

builder.queryField('message', (t) =>
  t.field({
    type: Message,
    nullable: true,
    description: 'GET /me/messages/{id} (v1.0, `$select` from the selection); null when Graph has no such message.',
    args: {
      id: t.arg.id({ required: true, description: 'Message id.' }),
      userId: t.arg.id({ description: 'Another mailbox (`/users/{userId}/…`); omit for the signed-in user.' }),
    },
    resolve: (_root, args, context, info) =>
      lookupItem(context, info, { field: 'message', resource: 'messages' }, { collection: 'messages', id: String(args.id), userId: args.userId as string | null | undefined, select: true, prefer: itemPrefer(context) }),
  }),
);
