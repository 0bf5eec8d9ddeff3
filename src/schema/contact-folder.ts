import { builder } from './builder.js';
import { Contact } from './contact.js';
import { getAllPages, getOrNull, prepareRead, readRelated, urlOf } from './graph-read.js';
import { str, type GraphObject } from './graph-object.js';

export const ContactFolder = builder.objectRef<GraphObject>('ContactFolder').implement({
  description: 'An Outlook contact folder (Graph v1.0 `contactFolder`); its id is what `contactsDelta(folderId:)` takes.',
  fields: (t) => ({
    id: t.id({ nullable: false, description: 'Graph id.', resolve: (o) => String(o['id']) }),
    displayName: t.string({ description: 'Display name.', resolve: str('displayName') }),
    parentFolderId: t.string({ description: 'Id of the parent folder.', resolve: str('parentFolderId') }),
  }),
});

const CONTACT_FOLDERS = { field: 'contactFolders', resource: 'contactFolders' };

// Graph's contactFolders list holds only the folders under the default Contacts folder, so that
// one is read as well (contactFolders/contacts) and put first; both requests go out in one batch.
builder.queryField('contactFolders', (t) =>
  t.field({
    type: [ContactFolder],
    nullable: { list: false, items: false },
    description: 'The default Contacts folder first, then GET /me/contactFolders (every page, in Graph’s order).',
    args: {
      userId: t.arg.id({ description: 'Another user (`/users/{userId}/…`); omit for the signed-in user.' }),
    },
    resolve: async (_root, args, context) => {
      const read = await prepareRead(context, CONTACT_FOLDERS, args.userId as string | null | undefined);
      const token = await read.token();
      const [defaultFolder, listed] = await Promise.all([
        getOrNull(context, urlOf(read.root, `${read.who}/contactFolders/contacts`), token),
        getAllPages(context, urlOf(read.root, `${read.who}/contactFolders`), token),
      ]);
      if (defaultFolder === null) return listed;
      return [defaultFolder, ...listed.filter((f) => f['id'] !== defaultFolder['id'])];
    },
  }),
);

builder.objectField(Contact, 'parentFolder', (t) =>
  t.field({
    type: ContactFolder,
    nullable: true,
    description: 'The folder holding the contact (GET contactFolders/{parentFolderId}; selecting it adds parentFolderId to the round’s $select).',
    resolve: (contact, _args, context) => readRelated(context, contact, 'parentFolderId', 'contactFolders'),
  }),
);
