import { createHash } from 'node:crypto';
import type {
  Attendee,
  DayOfWeek,
  FollowupFlag,
  GraphCalendar,
  GraphContact,
  GraphContactFolder,
  GraphEvent,
  GraphMailFolder,
  GraphMessage,
  GraphUser,
  Importance,
  ItemBody,
  Location,
  PatternedRecurrence,
  PhysicalAddress,
  Recipient,
  RecurrencePattern,
  RecurrenceRange,
  ResponseType,
} from '../graph/types.js';
import { flat } from './flat-string.js';
import { graphId, occurrenceId } from './ids.js';
import { formatInZone, fromLocalMs, resolveTimeZone } from '../calendar/time-zones.js';

export type * from '../graph/types.js';

/** Options of {@link generateSeed}. */
export interface SeedOptions {
  /** 'demo': a lived-in mailbox; 'empty': users, default calendars and folders, no items. */
  preset: 'demo' | 'empty';
  /** Messages of the demo user (demo preset only). @default 1000 */
  messages?: number;
  /** PRNG seed: same options → deep-equal output. @default 20240603 */
  seed?: number;
}

export interface SeedUser extends GraphUser {
  /** Windows time zone the user's meetings are authored in. */
  timeZone: string;
}

export interface SeedData {
  tenantId: string;
  users: SeedUser[];
  calendars: { ownerId: string; calendar: GraphCalendar; sharedWith?: string[] }[];
  /** Single instances, series masters (type seriesMaster) and exceptions (type exception, id = occurrenceId). */
  events: { ownerId: string; calendarId: string; event: GraphEvent }[];
  contactFolders: { ownerId: string; folder: GraphContactFolder }[];
  contacts: { ownerId: string; folderId: string; contact: GraphContact }[];
  mailFolders: { ownerId: string; folder: GraphMailFolder }[];
  messages: { ownerId: string; folderId: string; message: GraphMessage }[];
}

export const DEMO_TENANT_ID = '7c3e9a52-4b1d-4f8e-a6c2-91d0e5b37f14';

export const DEMO_USER = {
  id: '5f2a7c1e-8d34-4b6a-9e01-3c7d2b8f6a90',
  userPrincipalName: 'adele.vance@contoso.example',
  displayName: 'Adele Vance',
  mail: 'adele.vance@contoso.example',
} as const;

export const SECOND_USER = {
  id: 'a81d4e6b-2c95-4f37-b0d8-6e4c1a9f2b53',
  userPrincipalName: 'megan.bowen@contoso.example',
  displayName: 'Megan Bowen',
  mail: 'megan.bowen@contoso.example',
} as const;

/** Events spread ±6 months around this instant; messages fill the year before it. A Monday. */
export const SEED_REFERENCE_DATE = '2024-06-03T00:00:00Z';
export const SEED_REFERENCE_MS = Date.parse(SEED_REFERENCE_DATE);

export const DEFAULT_SEED = 20240603;
export const DEFAULT_DEMO_MESSAGES = 1000;

/** The (unlisted) root of a user's mail folders: parentFolderId of the top-level folders. */
export function mailRootFolderId(userId: string): string {
  return graphId('folder', `${userId}:msgfolderroot`);
}

/** The (unlisted) root of a user's contact folders: parentFolderId of the top-level folders. */
export function contactRootFolderId(userId: string): string {
  return graphId('contactFolder', `${userId}:root`);
}

export const WELL_KNOWN_MAIL_FOLDERS = [
  { wellKnownName: 'inbox', displayName: 'Inbox' },
  { wellKnownName: 'sentitems', displayName: 'Sent Items' },
  { wellKnownName: 'drafts', displayName: 'Drafts' },
  { wellKnownName: 'deleteditems', displayName: 'Deleted Items' },
  { wellKnownName: 'archive', displayName: 'Archive' },
] as const;

type WellKnown = (typeof WELL_KNOWN_MAIL_FOLDERS)[number]['wellKnownName'];

/** Id of a user's well-known mail folder (stable across presets and seeds). */
export function wellKnownMailFolderId(userId: string, name: WellKnown): string {
  return graphId('folder', `${userId}:${name}`);
}

/** Id of a user's default calendar (stable across presets and seeds). */
export function defaultCalendarId(userId: string): string {
  return graphId('calendar', `${userId}:default`);
}

/** Id of a user's default "Contacts" folder (stable across presets and seeds). */
export function defaultContactFolderId(userId: string): string {
  return graphId('contactFolder', `${userId}:contacts`);
}

// ---------------------------------------------------------------------------------------------
// Deterministic randomness

type Rng = () => number;

function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Random {
  next: Rng;
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

function createRandom(seed: number): Random {
  const next = mulberry32(seed);
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
    chance: (p) => next() < p,
  };
}

// ---------------------------------------------------------------------------------------------
// Pools (shared strings keep 100k messages lean)

const GIVEN = [
  'Alex', 'Allan', 'Brian', 'Christie', 'Debra', 'Diego', 'Emily', 'Enrico', 'Grady', 'Henrietta', 'Irvin', 'Isaiah',
  'Johanna', 'Joni', 'Lee', 'Lidia', 'Lynne', 'Miriam', 'Nestor', 'Patti', 'Pradeep', 'Raul', 'Sanjay', 'Sofia',
  'Amara', 'Bao', 'Carmen', 'Dmitri', 'Elif', 'Farah', 'Gustavo', 'Hana', 'Ines', 'Jamal', 'Keiko', 'Lars',
  'Mateo', 'Nadia', 'Oskar', 'Priya', 'Quentin', 'Rosa', 'Sven', 'Tomas', 'Uma', 'Valentina', 'Wei', 'Ximena',
  'Yusuf', 'Zofia', 'Aiko', 'Bruno', 'Chloe', 'Darius', 'Esther', 'Felix', 'Greta', 'Hugo', 'Ingrid', 'Jonas',
  'Kai', 'Leila', 'Marco', 'Noor',
];
const SURNAMES = [
  'Wilber', 'Deyoung', 'Johnson', 'Cline', 'Berg', 'Siciliani', 'Braun', 'Andrade', 'Archie', 'Gonzalez', 'Bellinger',
  'Langer', 'Lauer', 'Sherman', 'Holt', 'Wilkins', 'Robbins', 'Rodriguez', 'Fernandez', 'Gupta', 'Kovacs', 'Nakamura',
  'Okafor', 'Petrov', 'Quinn', 'Rossi', 'Schmidt', 'Tanaka', 'Urbina', 'Van Dijk', 'Walsh', 'Xu', 'Yilmaz', 'Zimmer',
  'Abbott', 'Bauer', 'Castillo', 'Dubois', 'Eriksen', 'Fischer', 'Garcia', 'Haddad', 'Ivanova', 'Jensen', 'Kim',
  'Larsen', 'Moreau', 'Novak', "O'Brien", 'Park', 'Reyes', 'Silva', 'Thompson', 'Ueda', 'Varga', 'Weber', 'Yamada',
  'Zhang', 'Mensah', 'Costa', 'Lindqvist', 'Horvat', 'Duarte', 'Sato',
];
const COMPANIES = [
  { name: 'Contoso', domain: 'contoso.example' },
  { name: 'Fabrikam', domain: 'fabrikam.example' },
  { name: 'Northwind Traders', domain: 'northwind.example' },
  { name: 'Adventure Works', domain: 'adventure-works.example' },
  { name: 'Tailspin Toys', domain: 'tailspin.example' },
  { name: 'Wingtip Toys', domain: 'wingtip.example' },
  { name: 'Litware', domain: 'litware.example' },
  { name: 'Proseware', domain: 'proseware.example' },
  { name: 'Woodgrove Bank', domain: 'woodgrove.example' },
  { name: 'Alpine Ski House', domain: 'alpineskihouse.example' },
  { name: 'Blue Yonder Airlines', domain: 'blueyonder.example' },
  { name: 'Coho Winery', domain: 'cohowinery.example' },
  { name: 'Lamna Healthcare', domain: 'lamna.example' },
  { name: 'Trey Research', domain: 'treyresearch.example' },
] as const;
const JOB_TITLES = [
  'Product Manager', 'Software Engineer', 'Senior Software Engineer', 'Designer', 'Marketing Manager', 'Sales Director',
  'Account Executive', 'CFO', 'Program Manager', 'Data Scientist', 'Support Engineer', 'Legal Counsel', 'Recruiter',
  'Operations Lead', 'VP Engineering', 'Consultant',
];
const DEPARTMENTS = ['Engineering', 'Marketing', 'Sales', 'Finance', 'Legal', 'Operations', 'HR', 'Research'];
const CITIES: readonly PhysicalAddress[] = [
  { city: 'Redmond', state: 'WA', countryOrRegion: 'United States', postalCode: '98052' },
  { city: 'Seattle', state: 'WA', countryOrRegion: 'United States', postalCode: '98101' },
  { city: 'San Francisco', state: 'CA', countryOrRegion: 'United States', postalCode: '94105' },
  { city: 'New York', state: 'NY', countryOrRegion: 'United States', postalCode: '10001' },
  { city: 'Austin', state: 'TX', countryOrRegion: 'United States', postalCode: '78701' },
  { city: 'Berlin', state: 'Berlin', countryOrRegion: 'Germany', postalCode: '10115' },
  { city: 'Paris', state: 'Île-de-France', countryOrRegion: 'France', postalCode: '75002' },
  { city: 'London', state: 'England', countryOrRegion: 'United Kingdom', postalCode: 'EC1A 1BB' },
  { city: 'Tokyo', state: 'Tokyo', countryOrRegion: 'Japan', postalCode: '100-0005' },
  { city: 'Sydney', state: 'NSW', countryOrRegion: 'Australia', postalCode: '2000' },
  { city: 'Bengaluru', state: 'Karnataka', countryOrRegion: 'India', postalCode: '560001' },
  { city: 'Toronto', state: 'ON', countryOrRegion: 'Canada', postalCode: 'M5H 2N2' },
];
const STREETS = ['Main St', 'Oak Ave', 'Pine Rd', 'Market St', 'Lake Dr', 'Hill Rd', 'Elm St', 'Harbor Way', 'Park Ln'];
const CATEGORIES = ['Blue category', 'Green category', 'Orange category', 'Purple category', 'Red category', 'Yellow category'];
const TOPICS = [
  'Q3 roadmap', 'billing migration', 'mobile app redesign', 'customer onboarding', 'data retention policy',
  'partner integration', 'search relevance', 'pricing update', 'security review', 'holiday campaign', 'API v2',
  'support backlog', 'hiring plan', 'office move', 'vendor contract', 'analytics dashboard', 'release 4.2',
  'accessibility audit', 'cloud costs', 'sales kickoff',
];
const MEETING_SUBJECTS = [
  (t: string) => `Design review: ${t}`,
  (t: string) => `Kickoff: ${t}`,
  (t: string) => `Status update – ${t}`,
  (t: string) => `Workshop: ${t}`,
  (t: string) => `Decision meeting: ${t}`,
  (t: string) => `Brainstorm on ${t}`,
  (t: string) => `Follow-up: ${t}`,
  (t: string) => `Customer call about ${t}`,
];
const ALL_DAY_SUBJECTS = [
  'Out of office', 'Company holiday', 'Offsite', 'Conference: Build', 'Training day', 'Hackathon', 'Vacation',
  'Team day', 'Release day', 'Volunteer day',
];
const MAIL_SUBJECTS = [
  ...TOPICS.map((t) => `Re-cap: ${t}`),
  ...TOPICS.map((t) => `Question about ${t}`),
  ...TOPICS.map((t) => `Draft proposal for ${t}`),
  'Lunch on Friday?', 'Invoice 2024-0193', 'Your order has shipped', 'Weekly digest', 'Expense report approved',
  'Welcome to the team!', 'Action required: password expiry', 'Slides for tomorrow', 'Notes from today', 'Quick question',
  'Contract signed', 'Travel itinerary', 'Feedback on the demo', 'Budget numbers', 'Out of office next week',
];
const NEWSLETTER_SUBJECTS = [
  'This week in cloud computing', 'Your monthly product update', 'Webinar: scaling GraphQL', 'Top stories for you',
  '5 tips for better meetings', 'Release notes: June edition', 'Community highlights', 'Save the date: Summit 2024',
];
const SENTENCES = [
  'Thanks for the quick turnaround on this.',
  'Could you take a look before our next sync?',
  'I have attached the latest numbers for your review.',
  'Let me know if Thursday works better for you.',
  'We agreed to revisit the timeline after the pilot.',
  'Please find the summary of the discussion below.',
  'The team is on track for the next milestone.',
  'I will circle back once legal has signed off.',
  'Happy to jump on a call if that is easier.',
  'Looping in a few folks who should weigh in.',
  'The customer asked for a revised estimate.',
  'Nothing urgent, just keeping you in the loop.',
  'We still need an owner for the open action items.',
  'Great work everyone, this was a big push.',
  'Can we move this to next week instead?',
  'The draft is in the shared folder.',
];

function textToHtml(text: string): string {
  const paragraphs = text
    .split('\n')
    .map((p) => `<p>${p.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</p>`)
    .join('');
  return `<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body>${paragraphs}</body></html>`;
}

/** Graph's bodyPreview: the first 255 characters of the body as text. */
function preview(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 255);
}

interface BodyEntry {
  body: ItemBody;
  preview: string;
}

/** A fixed pool of bodies (text and html) with their previews; bulk messages share them. */
function buildBodyPool(rand: Random, size: number): BodyEntry[] {
  const pool: BodyEntry[] = [];
  for (let i = 0; i < size; i++) {
    const n = rand.int(2, 6);
    const lines: string[] = ['Hi,'];
    for (let j = 0; j < n; j++) lines.push(rand.pick(SENTENCES));
    if (i % 5 === 0) lines.push(SENTENCES.join(' ')); // a few long ones, so previews get cut at 255
    lines.push('Best regards');
    const text = lines.join('\n');
    const html = i % 3 !== 0;
    pool.push(
      Object.freeze({
        body: Object.freeze({ contentType: html ? 'html' : 'text', content: html ? textToHtml(text) : text }),
        preview: preview(text),
      }) as BodyEntry,
    );
  }
  return pool;
}

// ---------------------------------------------------------------------------------------------
// People

interface Person {
  given: string;
  surname: string;
  name: string;
  address: string;
  company: string;
  jobTitle: string;
  department: string;
  recipient: Recipient;
}

function freezeRecipient(name: string, address: string): Recipient {
  return Object.freeze({ emailAddress: Object.freeze({ name, address }) }) as Recipient;
}

function buildPeople(rand: Random, count: number): Person[] {
  const used = new Set<string>([DEMO_USER.mail, SECOND_USER.mail]);
  const people: Person[] = [];
  for (let i = 0; people.length < count; i++) {
    const given = rand.pick(GIVEN);
    const surname = rand.pick(SURNAMES);
    const company = i < 30 ? COMPANIES[0] : rand.pick(COMPANIES.slice(1));
    const local = `${given}.${surname}`.toLowerCase().replace(/[^a-z.]/g, '');
    let address = `${local}@${company.domain}`;
    for (let k = 2; used.has(address); k++) address = `${local}${k}@${company.domain}`;
    used.add(address);
    const name = `${given} ${surname}`;
    people.push({
      given,
      surname,
      name,
      address,
      company: company.name,
      jobTitle: rand.pick(JOB_TITLES),
      department: rand.pick(DEPARTMENTS),
      recipient: freezeRecipient(name, address),
    });
  }
  return people;
}

// ---------------------------------------------------------------------------------------------
// Helpers

const DAY = 86_400_000;
const MINUTE = 60_000;
const NEVER = '0001-01-01T00:00:00Z';
const EMPTY_ARRAY: readonly never[] = Object.freeze([]);
/** One frozen empty array shared by every item that has no categories/cc/bcc (lean at 100k messages). */
function empty<T>(): T[] {
  return EMPTY_ARRAY as unknown as T[];
}

const dayPrefixes = new Map<number, string>();
const TWO_DIGITS: readonly string[] = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const twoDigits = (n: number): string => TWO_DIGITS[n] as string;

/** "2024-05-01T10:00:00Z" (Graph's DateTimeOffset style, no fraction). Hand-rolled: it runs per message. */
function iso(ms: number): string {
  const day = Math.floor(ms / DAY);
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * DAY).toISOString().slice(0, 11);
    dayPrefixes.set(day, prefix);
  }
  const secs = Math.floor((ms - day * DAY) / 1000);
  const h = Math.floor(secs / 3600);
  const m = Math.floor((secs % 3600) / 60);
  return flat(prefix, twoDigits(h), ':', twoDigits(m), ':', twoDigits(secs % 60), 'Z');
}

function changeKeyFor(id: string, version = 0): string {
  return flat('CQAAABYAAA', id.slice(8, 28), version > 0 ? String(version) : '');
}

function iCalUIdFor(id: string): string {
  return `040000008200E00074C5B7101A82E00800000000${createHash('sha256').update(id).digest('hex').slice(0, 48).toUpperCase()}`;
}

function webLinkFor(id: string, path: string): string {
  return flat('https://outlook.office365.com/owa/?itemid=', encodeURIComponent(id), '&exvsurl=1&path=', path);
}

/** Wall-clock time in a Windows zone → UTC dateTimeTimeZone, as Graph returns it without Prefer. */
function utcAt(localMs: number, windowsZone: string): { ms: number } {
  const iana = resolveTimeZone(windowsZone) ?? 'UTC';
  return { ms: fromLocalMs(localMs, iana) };
}

function emptyLocation(): Location {
  return { displayName: '', locationType: 'default', uniqueIdType: 'unknown', address: {}, coordinates: {} };
}

const ROOMS = ['Rainier', 'Baker', 'Adams', 'St. Helens', 'Olympus', 'Shasta', 'Hood'];

function pickLocation(rand: Random): Location {
  const r = rand.next();
  if (r < 0.35) {
    const room = rand.pick(ROOMS);
    const address = `conf-${room.toLowerCase().replace(/[^a-z]/g, '')}@contoso.example`;
    return {
      displayName: `Conf Room ${room}`,
      locationType: 'conferenceRoom',
      uniqueId: address,
      uniqueIdType: 'directory',
      locationEmailAddress: address,
      address: {},
      coordinates: {},
    };
  }
  if (r < 0.45) {
    const city = rand.pick(CITIES);
    return {
      displayName: `${rand.pick(['Café', 'Bistro', 'Kitchen', 'Grill'])} ${rand.pick(SURNAMES)}`,
      locationType: 'restaurant',
      uniqueIdType: 'bing',
      address: { street: `${rand.int(1, 999)} ${rand.pick(STREETS)}`, ...city },
      coordinates: { latitude: rand.int(-60000, 60000) / 1000, longitude: rand.int(-170000, 170000) / 1000 },
    };
  }
  if (r < 0.55) {
    return { displayName: 'Microsoft Teams Meeting', locationType: 'default', uniqueId: 'Microsoft Teams Meeting', uniqueIdType: 'private', address: {}, coordinates: {} };
  }
  return emptyLocation();
}

function pattern(p: Partial<RecurrencePattern> & Pick<RecurrencePattern, 'type'>): RecurrencePattern {
  // Graph answers with every field, defaults included.
  return { interval: 1, month: 0, dayOfMonth: 0, daysOfWeek: [], firstDayOfWeek: 'sunday', index: 'first', ...p };
}

function range(r: Partial<RecurrenceRange> & Pick<RecurrenceRange, 'type' | 'startDate'>): RecurrenceRange {
  return { endDate: '0001-01-01', recurrenceTimeZone: 'UTC', numberOfOccurrences: 0, ...r };
}

// ---------------------------------------------------------------------------------------------
// Generator

interface Ctx {
  rand: Random;
  seed: number;
  people: Person[];
  colleagues: Person[];
  data: SeedData;
}

const USERS: readonly SeedUser[] = [
  {
    ...DEMO_USER,
    givenName: 'Adele',
    surname: 'Vance',
    jobTitle: 'Product Marketing Manager',
    officeLocation: '18/2111',
    preferredLanguage: 'en-US',
    timeZone: 'Pacific Standard Time',
  },
  {
    ...SECOND_USER,
    givenName: 'Megan',
    surname: 'Bowen',
    jobTitle: 'Marketing Manager',
    officeLocation: '12/1110',
    preferredLanguage: 'en-US',
    timeZone: 'Pacific Standard Time',
  },
];

function me(user: SeedUser): Recipient {
  return freezeRecipient(user.displayName, user.mail);
}

/**
 * A deterministic mailbox pair for the emulator: same options → deep-equal data.
 * Nested objects shared between items (recipients, bodies, empty arrays) are frozen: replace them, don't mutate.
 */
export function generateSeed(options: SeedOptions): SeedData {
  const seed = options.seed ?? DEFAULT_SEED;
  const rand = createRandom(seed);
  const data: SeedData = {
    tenantId: DEMO_TENANT_ID,
    users: USERS.map((u) => ({ ...u })),
    calendars: [],
    events: [],
    contactFolders: [],
    contacts: [],
    mailFolders: [],
    messages: [],
  };

  for (const user of data.users) addDefaultContainers(data, user);
  if (options.preset === 'empty') return data;

  const people = buildPeople(rand, 180);
  const ctx: Ctx = { rand, seed, people, colleagues: people.slice(0, 30), data };
  const [demo, second] = data.users as [SeedUser, SeedUser];

  addDemoContainers(ctx, demo, second);
  addContacts(ctx, demo, second);
  addEvents(ctx, demo, second);
  addMessages(ctx, demo, Math.max(0, Math.floor(options.messages ?? DEFAULT_DEMO_MESSAGES)), 'demo');
  addMessages(ctx, second, 25, 'second');
  countFolders(data);
  return data;
}

function calendar(user: SeedUser, id: string, name: string, extra: Partial<GraphCalendar>): GraphCalendar {
  return {
    id,
    name,
    color: 'auto',
    hexColor: '',
    isDefaultCalendar: false,
    changeKey: changeKeyFor(id),
    canShare: true,
    canViewPrivateItems: true,
    canEdit: true,
    allowedOnlineMeetingProviders: ['teamsForBusiness'],
    defaultOnlineMeetingProvider: 'teamsForBusiness',
    isTallyingResponses: true,
    isRemovable: true,
    owner: { name: user.displayName, address: user.mail },
    ...extra,
  };
}

function addDefaultContainers(data: SeedData, user: SeedUser): void {
  const calId = defaultCalendarId(user.id);
  data.calendars.push({
    ownerId: user.id,
    calendar: calendar(user, calId, 'Calendar', { isDefaultCalendar: true, isRemovable: false }),
  });
  data.contactFolders.push({
    ownerId: user.id,
    folder: { id: defaultContactFolderId(user.id), displayName: 'Contacts', parentFolderId: contactRootFolderId(user.id) },
  });
  for (const wk of WELL_KNOWN_MAIL_FOLDERS) {
    data.mailFolders.push({
      ownerId: user.id,
      folder: {
        id: wellKnownMailFolderId(user.id, wk.wellKnownName),
        displayName: wk.displayName,
        wellKnownName: wk.wellKnownName,
        parentFolderId: mailRootFolderId(user.id),
        childFolderCount: 0,
        unreadItemCount: 0,
        totalItemCount: 0,
        isHidden: false,
      },
    });
  }
}

const ids = {
  birthdays: (u: string) => graphId('calendar', `${u}:birthdays`),
  project: (u: string) => graphId('calendar', `${u}:project`),
  team: (u: string) => graphId('calendar', `${u}:team`),
  vendors: (u: string) => graphId('contactFolder', `${u}:vendors`),
  family: (u: string) => graphId('contactFolder', `${u}:family`),
  newsletters: (u: string) => graphId('folder', `${u}:newsletters`),
};

function addDemoContainers(ctx: Ctx, demo: SeedUser, second: SeedUser): void {
  const { data } = ctx;
  data.calendars.push(
    {
      ownerId: demo.id,
      calendar: calendar(demo, ids.birthdays(demo.id), 'Birthdays', {
        canShare: false,
        canEdit: false,
        allowedOnlineMeetingProviders: [],
        defaultOnlineMeetingProvider: 'unknown',
        isTallyingResponses: false,
      }),
    },
    { ownerId: demo.id, calendar: calendar(demo, ids.project(demo.id), 'Project Phoenix', { color: 'lightGreen', hexColor: '#87d28e' }) },
    {
      ownerId: second.id,
      calendar: calendar(second, ids.team(second.id), 'Marketing Team', { color: 'lightOrange', hexColor: '#fcab73' }),
      sharedWith: [demo.id],
    },
  );
  data.contactFolders.push(
    { ownerId: demo.id, folder: { id: ids.vendors(demo.id), displayName: 'Vendors', parentFolderId: contactRootFolderId(demo.id) } },
    { ownerId: demo.id, folder: { id: ids.family(demo.id), displayName: 'Family', parentFolderId: defaultContactFolderId(demo.id) } },
  );
  data.mailFolders.push({
    ownerId: demo.id,
    folder: {
      id: ids.newsletters(demo.id),
      displayName: 'Newsletters',
      parentFolderId: wellKnownMailFolderId(demo.id, 'inbox'),
      childFolderCount: 0,
      unreadItemCount: 0,
      totalItemCount: 0,
      isHidden: false,
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Contacts

function addContacts(ctx: Ctx, demo: SeedUser, second: SeedUser): void {
  const { rand, people } = ctx;
  const plan: { owner: SeedUser; folderId: string; from: number; to: number; family?: boolean }[] = [
    { owner: demo, folderId: defaultContactFolderId(demo.id), from: 0, to: 120 },
    { owner: demo, folderId: ids.vendors(demo.id), from: 120, to: 142 },
    { owner: demo, folderId: ids.family(demo.id), from: 142, to: 150, family: true },
    { owner: second, folderId: defaultContactFolderId(second.id), from: 150, to: 164 },
  ];
  let n = 0;
  for (const part of plan) {
    for (let i = part.from; i < part.to; i++) {
      const p = people[i] as Person;
      const id = graphId('contact', `${ctx.seed}:${n++}`);
      const created = SEED_REFERENCE_MS - rand.int(30, 900) * DAY - rand.int(0, DAY / MINUTE) * MINUTE;
      const modified = Math.min(SEED_REFERENCE_MS, created + rand.int(0, 200) * DAY);
      const city = rand.pick(CITIES);
      const surname = part.family ? 'Vance' : p.surname;
      const displayName = `${p.given} ${surname}`;
      const address = part.family ? `${p.given.toLowerCase()}.vance@outlook.example` : p.address;
      const hasBirthday = rand.chance(0.3) || part.family === true;
      const contact: GraphContact = {
        id,
        createdDateTime: iso(created),
        lastModifiedDateTime: iso(modified),
        changeKey: changeKeyFor(id),
        categories: rand.chance(0.15) ? [rand.pick(CATEGORIES)] : [],
        parentFolderId: part.folderId,
        birthday: hasBirthday ? `${rand.int(1955, 2005)}-${String(rand.int(1, 12)).padStart(2, '0')}-${String(rand.int(1, 28)).padStart(2, '0')}T11:59:00Z` : null,
        fileAs: `${surname}, ${p.given}`,
        displayName,
        givenName: p.given,
        initials: `${p.given[0] ?? ''}.${surname[0] ?? ''}.`,
        middleName: null,
        nickName: null,
        surname,
        title: null,
        yomiGivenName: null,
        yomiSurname: null,
        yomiCompanyName: null,
        generation: null,
        imAddresses: part.family ? [] : [address],
        jobTitle: part.family ? null : p.jobTitle,
        companyName: part.family ? null : p.company,
        department: part.family ? null : p.department,
        officeLocation: part.family ? null : `${rand.int(1, 40)}/${rand.int(1000, 3999)}`,
        profession: null,
        businessHomePage: part.family ? null : `https://www.${address.split('@')[1] ?? 'contoso.example'}`,
        assistantName: null,
        manager: null,
        homePhones: rand.chance(0.3) ? [`+1 206 555 ${String(rand.int(100, 9999)).padStart(4, '0')}`] : [],
        mobilePhone: rand.chance(0.7) ? `+1 425 555 ${String(rand.int(100, 9999)).padStart(4, '0')}` : null,
        businessPhones: part.family ? [] : [`+1 425 555 ${String(rand.int(100, 9999)).padStart(4, '0')}`],
        spouseName: null,
        personalNotes: rand.chance(0.1) ? 'Met at the spring conference.' : '',
        children: [],
        emailAddresses: [{ name: displayName, address }],
        homeAddress: part.family ? { street: `${rand.int(1, 999)} ${rand.pick(STREETS)}`, ...city } : {},
        businessAddress: part.family ? {} : { street: `${rand.int(1, 999)} ${rand.pick(STREETS)}`, ...city },
        otherAddress: {},
      };
      ctx.data.contacts.push({ ownerId: part.owner.id, folderId: part.folderId, contact });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Events

interface EventSpec {
  owner: SeedUser;
  calendarId: string;
  subject: string;
  startMs: number;
  endMs: number;
  timeZone: string;
  isAllDay?: boolean;
  recurrence?: PatternedRecurrence;
  organizer?: Person | SeedUser;
  attendees?: number;
  cancelledDates?: string[];
  showAs?: GraphEvent['showAs'];
  id?: string;
}

function isPerson(x: Person | SeedUser): x is Person {
  return 'recipient' in x;
}

function buildEvent(ctx: Ctx, spec: EventSpec, n: number): GraphEvent {
  const { rand } = ctx;
  const id = spec.id ?? graphId('event', `${ctx.seed}:${n}`);
  const ownerRecipient = me(spec.owner);
  const organizer = spec.organizer ?? spec.owner;
  const isOrganizer = !isPerson(organizer) && organizer.id === spec.owner.id;
  const organizerRecipient = isPerson(organizer) ? organizer.recipient : me(organizer);
  const created = Math.min(spec.startMs, SEED_REFERENCE_MS) - rand.int(1, 40) * DAY - rand.int(0, 600) * MINUTE;
  const modified = Math.min(SEED_REFERENCE_MS, created + rand.int(0, 10) * DAY);
  const attendeeCount = spec.attendees ?? (spec.isAllDay ? 0 : rand.int(0, 6));
  const attendees: Attendee[] = [];
  const seen = new Set<string>([organizerRecipient.emailAddress.address ?? '']);
  const respond = (): ResponseType => rand.pick(['none', 'accepted', 'accepted', 'tentativelyAccepted', 'declined'] as const);
  if (!isOrganizer && attendeeCount > 0) {
    seen.add(spec.owner.mail);
    attendees.push({ type: 'required', status: { response: 'none', time: NEVER }, emailAddress: { ...ownerRecipient.emailAddress } });
  }
  for (let i = 0; attendees.length < attendeeCount && i < attendeeCount * 3; i++) {
    const p = rand.chance(0.6) ? rand.pick(ctx.colleagues) : rand.pick(ctx.people);
    if (seen.has(p.address)) continue;
    seen.add(p.address);
    const response = respond();
    attendees.push({
      type: rand.chance(0.8) ? 'required' : 'optional',
      status: { response, time: response === 'none' ? NEVER : iso(modified) },
      emailAddress: { name: p.name, address: p.address },
    });
  }
  const responseStatus = isOrganizer
    ? { response: 'organizer' as const, time: NEVER }
    : { response: rand.pick(['accepted', 'tentativelyAccepted', 'notResponded', 'accepted'] as const), time: iso(modified) };
  const online = !spec.isAllDay && attendees.length > 0 && rand.chance(0.5);
  const location = spec.isAllDay ? emptyLocation() : pickLocation(rand);
  const text = `${rand.pick(SENTENCES)}\n${rand.pick(SENTENCES)}${online ? '\n________________\nMicrosoft Teams meeting\nJoin on your computer or mobile app' : ''}`;
  const categories = rand.chance(0.25) ? [rand.pick(CATEGORIES)] : [];
  const start = formatInZone(spec.startMs, 'UTC');
  const end = formatInZone(spec.endMs, 'UTC');
  const event: GraphEvent = {
    id,
    createdDateTime: iso(created),
    lastModifiedDateTime: iso(modified),
    changeKey: changeKeyFor(id),
    categories,
    transactionId: null,
    originalStartTimeZone: spec.timeZone,
    originalEndTimeZone: spec.timeZone,
    responseStatus,
    iCalUId: iCalUIdFor(id),
    reminderMinutesBeforeStart: spec.isAllDay ? 1080 : 15,
    isReminderOn: !spec.isAllDay || rand.chance(0.5),
    hasAttachments: rand.chance(0.08),
    subject: spec.subject,
    bodyPreview: preview(text),
    importance: rand.chance(0.1) ? 'high' : 'normal',
    sensitivity: rand.chance(0.05) ? 'private' : 'normal',
    isAllDay: spec.isAllDay === true,
    isCancelled: false,
    isOrganizer,
    responseRequested: true,
    seriesMasterId: null,
    showAs: spec.showAs ?? (spec.isAllDay ? 'free' : 'busy'),
    type: spec.recurrence ? 'seriesMaster' : 'singleInstance',
    webLink: webLinkFor(id, '/calendar/item'),
    onlineMeetingUrl: null,
    isOnlineMeeting: online,
    onlineMeetingProvider: online ? 'teamsForBusiness' : 'unknown',
    allowNewTimeProposals: true,
    isDraft: false,
    hideAttendees: false,
    recurrence: spec.recurrence ?? null,
    onlineMeeting: online
      ? { joinUrl: `https://teams.microsoft.com/l/meetup-join/19%3ameeting_${id.slice(8, 40)}%40thread.v2/0` }
      : null,
    body: { contentType: 'html', content: textToHtml(text) },
    start,
    end,
    location,
    locations: location.displayName ? [location] : [],
    attendees,
    organizer: { emailAddress: { ...organizerRecipient.emailAddress } },
  };
  if (spec.recurrence) event.cancelledOccurrences = (spec.cancelledDates ?? []).map((d) => `OID.${id}.${d}`);
  return event;
}

function localDayMs(dayOffset: number): number {
  return SEED_REFERENCE_MS + dayOffset * DAY;
}

interface SeriesDef {
  owner: 'demo' | 'second';
  calendar: 'default' | 'team';
  subject: string;
  /** Local date of the first occurrence and time of day. */
  firstDate: string;
  time: [number, number];
  minutes: number;
  timeZone: string;
  pattern: RecurrencePattern;
  range: Omit<RecurrenceRange, 'startDate' | 'recurrenceTimeZone'>;
  isAllDay?: boolean;
  cancelledDates?: string[];
  /** An exception: the occurrence on this local date moves by this many minutes. */
  exception?: { date: string; shiftMinutes: number; subject?: string };
}

const WEEKDAYS: DayOfWeek[] = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'];

const SERIES: readonly SeriesDef[] = [
  {
    owner: 'demo', calendar: 'default', subject: 'Daily stand-up', firstDate: '2023-11-06', time: [9, 30], minutes: 15,
    timeZone: 'Pacific Standard Time', pattern: pattern({ type: 'weekly', daysOfWeek: WEEKDAYS }),
    range: { type: 'noEnd' }, cancelledDates: ['2024-07-04'],
    exception: { date: '2024-06-12', shiftMinutes: 30, subject: 'Daily stand-up (moved)' },
  },
  {
    owner: 'demo', calendar: 'default', subject: '1:1 Adele / Megan', firstDate: '2024-01-09', time: [14, 0], minutes: 30,
    timeZone: 'Pacific Standard Time', pattern: pattern({ type: 'weekly', interval: 2, daysOfWeek: ['tuesday'] }),
    range: { type: 'endDate', endDate: '2024-12-31' },
  },
  {
    owner: 'demo', calendar: 'default', subject: 'Monthly business review', firstDate: '2024-01-15', time: [10, 0], minutes: 60,
    timeZone: 'Pacific Standard Time', pattern: pattern({ type: 'absoluteMonthly', dayOfMonth: 15 }),
    range: { type: 'numbered', numberOfOccurrences: 12 },
  },
  {
    owner: 'demo', calendar: 'default', subject: 'All-hands', firstDate: '2023-10-05', time: [11, 0], minutes: 60,
    timeZone: 'Pacific Standard Time', pattern: pattern({ type: 'relativeMonthly', daysOfWeek: ['thursday'], index: 'first' }),
    range: { type: 'noEnd' },
  },
  {
    owner: 'demo', calendar: 'default', subject: 'Quarterly business review', firstDate: '2024-01-26', time: [13, 0], minutes: 120,
    timeZone: 'Pacific Standard Time', pattern: pattern({ type: 'relativeMonthly', interval: 3, daysOfWeek: ['friday'], index: 'last' }),
    range: { type: 'endDate', endDate: '2025-06-30' },
  },
  {
    owner: 'demo', calendar: 'default', subject: 'Contoso founding anniversary', firstDate: '2020-09-12', time: [0, 0], minutes: 1440,
    timeZone: 'UTC', isAllDay: true, pattern: pattern({ type: 'absoluteYearly', month: 9, dayOfMonth: 12 }),
    range: { type: 'noEnd' },
  },
  {
    owner: 'demo', calendar: 'default', subject: 'Annual planning kickoff', firstDate: '2022-01-10', time: [9, 0], minutes: 180,
    timeZone: 'Pacific Standard Time',
    pattern: pattern({ type: 'relativeYearly', month: 1, daysOfWeek: ['monday'], index: 'second' }),
    range: { type: 'noEnd' },
  },
  {
    owner: 'demo', calendar: 'default', subject: 'New hire onboarding check-in', firstDate: '2024-06-10', time: [16, 0], minutes: 15,
    timeZone: 'Pacific Standard Time', pattern: pattern({ type: 'daily' }), range: { type: 'numbered', numberOfOccurrences: 10 },
  },
  {
    owner: 'demo', calendar: 'default', subject: 'Focus time', firstDate: '2024-02-01', time: [13, 0], minutes: 120,
    timeZone: 'Pacific Standard Time', pattern: pattern({ type: 'daily', interval: 2 }),
    range: { type: 'endDate', endDate: '2024-03-31' },
  },
  {
    owner: 'demo', calendar: 'default', subject: 'Berlin team sync', firstDate: '2024-01-05', time: [10, 0], minutes: 30,
    timeZone: 'W. Europe Standard Time', pattern: pattern({ type: 'weekly', daysOfWeek: ['friday'], firstDayOfWeek: 'monday' }),
    range: { type: 'noEnd' },
  },
  {
    owner: 'demo', calendar: 'default', subject: 'Sprint review', firstDate: '2024-01-03', time: [15, 0], minutes: 60,
    timeZone: 'Pacific Standard Time',
    pattern: pattern({ type: 'weekly', interval: 2, daysOfWeek: ['wednesday'], firstDayOfWeek: 'monday' }),
    range: { type: 'numbered', numberOfOccurrences: 20 },
  },
  {
    owner: 'second', calendar: 'team', subject: 'Marketing team lunch', firstDate: '2024-01-04', time: [12, 0], minutes: 60,
    timeZone: 'Pacific Standard Time', pattern: pattern({ type: 'weekly', daysOfWeek: ['thursday'] }), range: { type: 'noEnd' },
  },
  {
    owner: 'second', calendar: 'default', subject: 'Campaign stand-up', firstDate: '2024-02-05', time: [9, 0], minutes: 15,
    timeZone: 'Pacific Standard Time', pattern: pattern({ type: 'weekly', daysOfWeek: ['monday', 'wednesday', 'friday'] }),
    range: { type: 'endDate', endDate: '2024-10-31' },
  },
];

function dateToMs(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

function addEvents(ctx: Ctx, demo: SeedUser, second: SeedUser): void {
  const { rand, data } = ctx;
  let n = 0;
  const push = (spec: EventSpec): GraphEvent => {
    const event = buildEvent(ctx, spec, n++);
    data.events.push({ ownerId: spec.owner.id, calendarId: spec.calendarId, event });
    return event;
  };
  const owners = { demo, second };

  // Series masters, listed with their first occurrence's start/end, as Graph does.
  for (const def of SERIES) {
    const owner = owners[def.owner];
    const calendarId = def.calendar === 'team' ? ids.team(owner.id) : defaultCalendarId(owner.id);
    const localStart = dateToMs(def.firstDate) + (def.time[0] * 60 + def.time[1]) * MINUTE;
    const startMs = utcAt(localStart, def.timeZone).ms;
    const endMs = utcAt(localStart + def.minutes * MINUTE, def.timeZone).ms;
    const recurrence: PatternedRecurrence = {
      pattern: { ...def.pattern, daysOfWeek: [...(def.pattern.daysOfWeek ?? [])] },
      range: range({ ...def.range, startDate: def.firstDate, recurrenceTimeZone: def.timeZone }),
    };
    const master = push({
      owner, calendarId, subject: def.subject, startMs, endMs, timeZone: def.timeZone, recurrence,
      isAllDay: def.isAllDay, cancelledDates: def.cancelledDates,
      attendees: def.isAllDay ? 0 : rand.int(2, 6), showAs: def.isAllDay ? 'free' : 'busy',
    });
    if (def.exception) {
      const originalLocal = dateToMs(def.exception.date) + (def.time[0] * 60 + def.time[1]) * MINUTE;
      const originalStartMs = utcAt(originalLocal, def.timeZone).ms;
      const shifted = originalLocal + def.exception.shiftMinutes * MINUTE;
      const exStart = utcAt(shifted, def.timeZone).ms;
      const exEnd = utcAt(shifted + def.minutes * MINUTE, def.timeZone).ms;
      const masterId = master.id;
      const exception: GraphEvent = {
        ...structuredClone(master),
        id: occurrenceId(masterId, originalStartMs),
        type: 'exception',
        seriesMasterId: masterId,
        originalStart: iso(originalStartMs),
        subject: def.exception.subject ?? master.subject,
        start: formatInZone(exStart, 'UTC'),
        end: formatInZone(exEnd, 'UTC'),
        recurrence: null,
        changeKey: changeKeyFor(masterId, 2),
      };
      delete exception.cancelledOccurrences;
      exception.webLink = webLinkFor(exception.id, '/calendar/item');
      data.events.push({ ownerId: owner.id, calendarId, event: exception });
    }
  }

  // Birthdays: yearly all-day series in the Birthdays calendar, from family and a few contacts.
  const birthdayContacts = data.contacts.filter((c) => c.ownerId === demo.id && c.contact.birthday).slice(0, 8);
  for (const c of birthdayContacts) {
    const birthday = c.contact.birthday ?? '';
    const month = Number(birthday.slice(5, 7));
    const day = Number(birthday.slice(8, 10));
    const firstDate = `2023-${birthday.slice(5, 10)}`;
    const startMs = dateToMs(firstDate);
    push({
      owner: demo, calendarId: ids.birthdays(demo.id), subject: `${c.contact.displayName ?? 'Someone'}'s birthday`,
      startMs, endMs: startMs + DAY, timeZone: 'UTC', isAllDay: true, attendees: 0, showAs: 'free',
      recurrence: {
        pattern: pattern({ type: 'absoluteYearly', month, dayOfMonth: day }),
        range: range({ type: 'noEnd', startDate: firstDate, recurrenceTimeZone: 'UTC' }),
      },
    });
  }

  // Single instances over ±6 months.
  const singles: { owner: SeedUser; calendarId: string; perDay: number }[] = [
    { owner: demo, calendarId: defaultCalendarId(demo.id), perDay: 0.95 },
    { owner: demo, calendarId: ids.project(demo.id), perDay: 0.12 },
    { owner: second, calendarId: defaultCalendarId(second.id), perDay: 0.15 },
    { owner: second, calendarId: ids.team(second.id), perDay: 0.07 },
  ];
  for (const s of singles) {
    const iana = resolveTimeZone(s.owner.timeZone) ?? 'UTC';
    for (let d = -182; d <= 182; d++) {
      const dayMs = localDayMs(d);
      const dow = new Date(dayMs).getUTCDay();
      if (dow === 0 || dow === 6) continue;
      let count = 0;
      let budget = s.perDay;
      while (budget > 0 && count < 3) {
        if (rand.next() < Math.min(budget, 1)) count++;
        budget -= 1;
      }
      if (rand.chance(s.perDay / 3)) count++;
      for (let k = 0; k < count; k++) {
        const minutes = rand.pick([30, 30, 45, 60, 60, 60, 90, 120]);
        const local = dayMs + (rand.int(8 * 4, 16 * 4) * 15) * MINUTE;
        const zone = rand.chance(0.9) ? s.owner.timeZone : rand.pick(['Eastern Standard Time', 'GMT Standard Time', 'India Standard Time']);
        const zIana = zone === s.owner.timeZone ? iana : (resolveTimeZone(zone) ?? 'UTC');
        const startMs = fromLocalMs(local, zIana);
        const topic = rand.pick(TOPICS);
        const organizer = rand.chance(0.55) ? s.owner : rand.pick(ctx.colleagues);
        push({
          owner: s.owner, calendarId: s.calendarId, subject: rand.pick(MEETING_SUBJECTS)(topic),
          startMs, endMs: startMs + minutes * MINUTE, timeZone: zone, organizer,
          showAs: rand.chance(0.1) ? 'tentative' : 'busy',
        });
      }
    }
  }

  // All-day events (some spanning several days), for the demo user.
  for (let i = 0; i < 14; i++) {
    const startMs = localDayMs(rand.int(-180, 180));
    const days = rand.chance(0.3) ? rand.int(2, 5) : 1;
    push({
      owner: demo, calendarId: defaultCalendarId(demo.id), subject: rand.pick(ALL_DAY_SUBJECTS), startMs,
      endMs: startMs + days * DAY, timeZone: 'UTC', isAllDay: true, attendees: 0,
      showAs: rand.pick(['free', 'oof', 'workingElsewhere'] as const),
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Messages

const NOT_FLAGGED: FollowupFlag = Object.freeze({ flagStatus: 'notFlagged' }) as FollowupFlag;
const NEWSLETTER_SENDERS = [
  freezeRecipient('Cloud Weekly', 'newsletter@cloudweekly.example'),
  freezeRecipient('Contoso News', 'news@contoso.example'),
  freezeRecipient('Product Updates', 'updates@fabrikam.example'),
  freezeRecipient('Events Team', 'events@northwind.example'),
];

type MessageFolderKey = WellKnown | 'newsletters';

function addMessages(ctx: Ctx, user: SeedUser, count: number, tag: string): void {
  if (count === 0) return;
  const { rand, data } = ctx;
  const bodies = buildBodyPool(rand, 48);
  const meRecipient = me(user);
  const toMe: readonly Recipient[] = Object.freeze([meRecipient]);
  // Per-message strings and arrays below are built flat or shared: at 100,000 messages every byte counts 100,000 times.
  const toPerson = new Map<Person, readonly Recipient[]>();
  const domains = new Map<string, string>();
  const domainOf = (r: Recipient): string => {
    const address = r.emailAddress.address ?? '';
    let domain = domains.get(address);
    if (domain === undefined) domains.set(address, (domain = address.split('@')[1] ?? 'contoso.example'));
    return domain;
  };
  const messageIdPrefix = flat('<', tag, ctx.seed.toString(36));
  const reSubjects = new Map<string, string>();
  const folderIds: Record<MessageFolderKey, string> = {
    inbox: wellKnownMailFolderId(user.id, 'inbox'),
    sentitems: wellKnownMailFolderId(user.id, 'sentitems'),
    drafts: wellKnownMailFolderId(user.id, 'drafts'),
    deleteditems: wellKnownMailFolderId(user.id, 'deleteditems'),
    archive: wellKnownMailFolderId(user.id, 'archive'),
    newsletters: ids.newsletters(user.id),
  };
  const hasNewsletters = data.mailFolders.some((f) => f.folder.id === folderIds.newsletters);
  const conversations: { id: string; subject: string; with: Person }[] = [];
  const span = 365 * DAY;
  const ccPool: (readonly Recipient[])[] = [];
  for (let i = 0; i < 64; i++) {
    const k = rand.int(1, 3);
    const list: Recipient[] = [];
    for (let j = 0; j < k; j++) list.push(rand.pick(ctx.people).recipient);
    ccPool.push(Object.freeze(list));
  }

  for (let i = 0; i < count; i++) {
    const r = rand.next();
    let folder: MessageFolderKey;
    if (r < 0.68) folder = 'inbox';
    else if (r < 0.73) folder = hasNewsletters ? 'newsletters' : 'inbox';
    else if (r < 0.85) folder = 'sentitems';
    else if (r < 0.93) folder = 'archive';
    else if (r < 0.95) folder = 'drafts';
    else folder = 'deleteditems';

    // Chronological by index, with jitter: the newest message is near the reference date.
    const received = Math.floor(SEED_REFERENCE_MS - span + ((i + rand.next()) / count) * span - rand.int(0, 3600) * 1000);
    const receivedIso = iso(received);
    const id = graphId('message', `${ctx.seed}:${tag}:${i}`);
    const body = rand.pick(bodies);
    const newsletter = folder === 'newsletters';

    let subject: string;
    let conversationId: string;
    let other: Person;
    if (!newsletter && conversations.length > 0 && rand.chance(0.35)) {
      const conv = conversations[conversations.length - 1 - rand.int(0, Math.min(19, conversations.length - 1))] as {
        id: string; subject: string; with: Person;
      };
      let re = reSubjects.get(conv.subject);
      if (re === undefined) {
        re = `RE: ${conv.subject}`;
        reSubjects.set(conv.subject, re);
      }
      subject = re;
      conversationId = conv.id;
      other = conv.with;
    } else {
      subject = newsletter ? rand.pick(NEWSLETTER_SUBJECTS) : rand.pick(MAIL_SUBJECTS);
      conversationId = flat('AAQkAG', id.slice(7)); // unique because the first message's id is
      other = rand.chance(0.5) ? rand.pick(ctx.colleagues) : rand.pick(ctx.people);
      if (!newsletter) {
        conversations.push({ id: conversationId, subject, with: other });
        if (conversations.length > 200) conversations.splice(0, 100);
      }
    }

    const outgoing = folder === 'sentitems' || folder === 'drafts';
    const from = outgoing ? meRecipient : newsletter ? rand.pick(NEWSLETTER_SENDERS) : other.recipient;
    let toRecipients = toMe;
    if (outgoing) {
      toRecipients = toPerson.get(other) ?? Object.freeze([other.recipient]);
      toPerson.set(other, toRecipients);
    }
    const ccRecipients = rand.chance(0.25) ? rand.pick(ccPool) : empty<Recipient>();
    const isDraft = folder === 'drafts';
    const age = SEED_REFERENCE_MS - received;
    const isRead = outgoing || folder === 'archive' || (age > 14 * DAY ? rand.chance(0.97) : rand.chance(0.5));
    const flagged = !outgoing && rand.chance(0.04);
    const importance: Importance = rand.chance(0.07) ? 'high' : rand.chance(0.03) ? 'low' : 'normal';
    const message: GraphMessage = {
      id,
      createdDateTime: receivedIso,
      lastModifiedDateTime: receivedIso,
      changeKey: changeKeyFor(id),
      categories: rand.chance(0.05) ? [rand.pick(CATEGORIES)] : empty<string>(),
      receivedDateTime: receivedIso,
      sentDateTime: isDraft ? receivedIso : iso(received - rand.int(1, 90) * 1000),
      hasAttachments: rand.chance(0.1),
      internetMessageId: flat(messageIdPrefix, i.toString(36).toUpperCase(), '@', outgoing ? 'contoso.example' : domainOf(from), '>'),
      subject,
      bodyPreview: body.preview,
      importance,
      parentFolderId: folderIds[folder],
      conversationId,
      isDeliveryReceiptRequested: false,
      isReadReceiptRequested: false,
      isRead,
      isDraft,
      webLink: webLinkFor(id, '/mail/inbox'),
      inferenceClassification: newsletter || rand.chance(0.1) ? 'other' : 'focused',
      body: body.body,
      sender: from,
      from,
      toRecipients: toRecipients as Recipient[],
      ccRecipients: ccRecipients as Recipient[],
      bccRecipients: empty<Recipient>(),
      replyTo: empty<Recipient>(),
      flag: flagged
        ? {
            flagStatus: 'flagged',
            startDateTime: formatInZone(received, 'UTC'),
            dueDateTime: formatInZone(received + 3 * DAY, 'UTC'),
          }
        : NOT_FLAGGED,
    };
    data.messages.push({ ownerId: user.id, folderId: folderIds[folder], message });
  }
}

function countFolders(data: SeedData): void {
  const byId = new Map<string, GraphMailFolder>();
  for (const f of data.mailFolders) byId.set(f.folder.id, f.folder);
  for (const m of data.messages) {
    const f = byId.get(m.folderId);
    if (!f) continue;
    f.totalItemCount = (f.totalItemCount ?? 0) + 1;
    if (m.message.isRead === false) f.unreadItemCount = (f.unreadItemCount ?? 0) + 1;
  }
  for (const f of data.mailFolders) {
    const parent = f.folder.parentFolderId === undefined ? undefined : byId.get(f.folder.parentFolderId);
    if (parent) parent.childFolderCount = (parent.childFolderCount ?? 0) + 1;
  }
}
