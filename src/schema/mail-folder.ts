import { builder } from './builder.js';
import { getAllPages, prepareRead, readRelated, segmentOf, urlOf } from './graph-read.js';
import { int, str, type GraphObject } from './graph-object.js';
import { Message } from './message.js';

export const MailFolder = builder.objectRef<GraphObject>('MailFolder').implement({
  description: 'An Outlook mail folder (Graph v1.0 `mailFolder`); its id is what `messagesDelta(folderId:)` takes.',
  fields: (t) => ({
    id: t.id({ nullable: false, description: 'Graph id (folder ids do not change).', resolve: (o) => String(o['id']) }),
    displayName: t.string({ description: 'Display name.', resolve: str('displayName') }),
    parentFolderId: t.string({ description: 'Id of the parent folder.', resolve: str('parentFolderId') }),
    childFolderCount: t.int({ description: 'Number of child folders.', resolve: int('childFolderCount') }),
    unreadItemCount: t.int({ description: 'Unread messages in it.', resolve: int('unreadItemCount') }),
    totalItemCount: t.int({ description: 'Messages in it.', resolve: int('totalItemCount') }),
  }),
});

const MAIL_FOLDERS = { field: 'mailFolders', resource: 'mailFolders' };

builder.queryField('mailFolders', (t) =>
  t.field({
    type: [MailFolder],
    nullable: { list: false, items: false },
    description: 'GET /me/mailFolders (top level) or /me/mailFolders/{parentFolderId}/childFolders, every page, in Graph’s order.',
    args: {
      userId: t.arg.id({ description: 'Another mailbox (`/users/{userId}/…`); omit for the signed-in user.' }),
      parentFolderId: t.arg.id({ description: 'List the children of this folder (id or well-known name such as inbox).' }),
    },
    resolve: async (_root, args, context) => {
      const parent = args.parentFolderId === undefined || args.parentFolderId === null ? undefined : segmentOf(MAIL_FOLDERS, 'parentFolderId', String(args.parentFolderId));
      const read = await prepareRead(context, MAIL_FOLDERS, args.userId as string | null | undefined);
      const path = parent === undefined ? `${read.who}/mailFolders` : `${read.who}/mailFolders/${parent}/childFolders`;
      return getAllPages(context, urlOf(read.root, path), await read.token());
    },
  }),
);

// A page of messages from a few folders costs one lookup per distinct folder: the loader dedupes them.
builder.objectField(Message, 'parentFolder', (t) =>
  t.field({
    type: MailFolder,
    nullable: true,
    description: 'The folder holding the message (GET mailFolders/{parentFolderId}; selecting it adds parentFolderId to the round’s $select).',
    resolve: (message, _args, context) => readRelated(context, message, 'parentFolderId', 'mailFolders'),
  }),
);
