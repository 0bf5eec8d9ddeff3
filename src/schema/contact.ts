import { resolveDeltaConnection } from './connection.js';
import { itemPrefer, lookupItem } from './graph-read.js';
import { contacts, type ContactArgs } from '../delta/resources/contacts.js';
import { builder } from './builder.js';
import { DateTime } from './date-time.js';
import { deltaTypes } from './delta-types.js';
import { obj, objs, str, strs, type GraphObject } from './graph-object.js';
import { EmailAddress, PhysicalAddress } from './outlook-types.js';

export const Contact = builder.objectRef<GraphObject>('Contact').implement({
  description: 'An Outlook contact (Graph v1.0 `contact`). Only the fields selected in the round’s first query are fetched ($select).',
  fields: (t) => ({
    id: t.id({ nullable: false, description: 'Graph id (immutable when GRAPH_IMMUTABLE_IDS is on).', resolve: (o) => String(o['id']) }),
    displayName: t.string({ description: 'Display name.', resolve: str('displayName') }),
    givenName: t.string({ description: 'Given name.', resolve: str('givenName') }),
    middleName: t.string({ description: 'Middle name.', resolve: str('middleName') }),
    surname: t.string({ description: 'Surname.', resolve: str('surname') }),
    nickName: t.string({ description: 'Nickname.', resolve: str('nickName') }),
    initials: t.string({ description: 'Initials.', resolve: str('initials') }),
    title: t.string({ description: 'Title (Dr., Ms., …).', resolve: str('title') }),
    generation: t.string({ description: 'Generation (Jr., III, …).', resolve: str('generation') }),
    fileAs: t.string({ description: 'Name it is filed under.', resolve: str('fileAs') }),
    emailAddresses: t.field({ type: [EmailAddress], nullable: { list: true, items: false }, description: 'Email addresses.', resolve: objs('emailAddresses') }),
    imAddresses: t.stringList({ nullable: { list: true, items: false }, description: 'Instant messaging addresses.', resolve: strs('imAddresses') }),
    mobilePhone: t.string({ description: 'Mobile phone.', resolve: str('mobilePhone') }),
    businessPhones: t.stringList({ nullable: { list: true, items: false }, description: 'Business phones.', resolve: strs('businessPhones') }),
    homePhones: t.stringList({ nullable: { list: true, items: false }, description: 'Home phones.', resolve: strs('homePhones') }),
    businessAddress: t.field({ type: PhysicalAddress, description: 'Business address.', resolve: obj('businessAddress') }),
    homeAddress: t.field({ type: PhysicalAddress, description: 'Home address.', resolve: obj('homeAddress') }),
    otherAddress: t.field({ type: PhysicalAddress, description: 'Other address.', resolve: obj('otherAddress') }),
    businessHomePage: t.string({ description: 'Business home page.', resolve: str('businessHomePage') }),
    companyName: t.string({ description: 'Company.', resolve: str('companyName') }),
    department: t.string({ description: 'Department.', resolve: str('department') }),
    jobTitle: t.string({ description: 'Job title.', resolve: str('jobTitle') }),
    officeLocation: t.string({ description: 'Office location.', resolve: str('officeLocation') }),
    profession: t.string({ description: 'Profession.', resolve: str('profession') }),
    manager: t.string({ description: 'Manager’s name.', resolve: str('manager') }),
    assistantName: t.string({ description: 'Assistant’s name.', resolve: str('assistantName') }),
    spouseName: t.string({ description: 'Spouse’s name.', resolve: str('spouseName') }),
    children: t.stringList({ nullable: { list: true, items: false }, description: 'Children’s names.', resolve: strs('children') }),
    birthday: t.field({ type: DateTime, description: 'Birthday.', resolve: str('birthday') }),
    personalNotes: t.string({ description: 'Notes.', resolve: str('personalNotes') }),
    yomiGivenName: t.string({ description: 'Phonetic given name (Japanese).', resolve: str('yomiGivenName') }),
    yomiSurname: t.string({ description: 'Phonetic surname (Japanese).', resolve: str('yomiSurname') }),
    yomiCompanyName: t.string({ description: 'Phonetic company name (Japanese).', resolve: str('yomiCompanyName') }),
    categories: t.stringList({ nullable: { list: true, items: false }, description: 'Categories.', resolve: strs('categories') }),
    parentFolderId: t.string({ description: 'Id of the contact folder.', resolve: str('parentFolderId') }),
    changeKey: t.string({ description: 'Version of the contact; changes with every change.', resolve: str('changeKey') }),
    createdDateTime: t.field({ type: DateTime, description: 'When it was created.', resolve: str('createdDateTime') }),
    lastModifiedDateTime: t.field({ type: DateTime, description: 'When it was last changed.', resolve: str('lastModifiedDateTime') }),
  }),
});

export const ContactDelta = deltaTypes(Contact, 'Contact', 'contact');

builder.queryField('contactsDelta', (t) =>
  t.connection(
    {
      type: Contact,
      nullable: false,
      description: 'GET /me/contactFolders/{folderId}/contacts/delta.',
      args: {
        userId: t.arg.id({ description: 'Another user (`/users/{userId}/…`); omit for the signed-in user (`/me/…`).' }),
        folderId: t.arg.id({ required: true, description: 'Contact folder id.' }),
      },
      resolve: (_root, args, context, info) => resolveDeltaConnection(contacts, args as unknown as ContactArgs, context, info) as never,
    },
    ContactDelta.Connection,
  ),
);

builder.queryField('contact', (t) =>
  t.field({
    type: Contact,
    nullable: true,
    description: 'GET /me/contacts/{id} (v1.0, `$select` from the selection); null when Graph has no such contact.',
    args: {
      id: t.arg.id({ required: true, description: 'Contact id.' }),
      userId: t.arg.id({ description: 'Another user (`/users/{userId}/…`); omit for the signed-in user.' }),
    },
    resolve: (_root, args, context, info) =>
      lookupItem(context, info, { field: 'contact', resource: 'contacts' }, { collection: 'contacts', id: String(args.id), userId: args.userId as string | null | undefined, select: true, prefer: itemPrefer(context) }),
  }),
);
