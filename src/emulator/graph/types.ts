/**
 * Graph v1.0 JSON shapes of the four delta entities (SPEC.md §9), as the emulator stores and serves them.
 * All properties are optional except `id`: Graph omits or nulls what it has no value for.
 */

export type Importance = 'low' | 'normal' | 'high';
export type Sensitivity = 'normal' | 'personal' | 'private' | 'confidential';
export type BodyType = 'text' | 'html';
export type EventType = 'singleInstance' | 'occurrence' | 'exception' | 'seriesMaster';
export type FreeBusyStatus = 'unknown' | 'free' | 'tentative' | 'busy' | 'oof' | 'workingElsewhere';
export type AttendeeType = 'required' | 'optional' | 'resource';
export type ResponseType = 'none' | 'organizer' | 'tentativelyAccepted' | 'accepted' | 'declined' | 'notResponded';
export type CalendarColor =
  | 'auto'
  | 'lightBlue'
  | 'lightGreen'
  | 'lightOrange'
  | 'lightGray'
  | 'lightYellow'
  | 'lightTeal'
  | 'lightPink'
  | 'lightBrown'
  | 'lightRed'
  | 'maxColor';
export type OnlineMeetingProviderType = 'unknown' | 'skypeForBusiness' | 'skypeForConsumer' | 'teamsForBusiness';
export type LocationType =
  | 'default'
  | 'conferenceRoom'
  | 'homeAddress'
  | 'businessAddress'
  | 'geoCoordinates'
  | 'streetAddress'
  | 'hotel'
  | 'restaurant'
  | 'localBusiness'
  | 'postalAddress';
export type RecurrencePatternType =
  | 'daily'
  | 'weekly'
  | 'absoluteMonthly'
  | 'relativeMonthly'
  | 'absoluteYearly'
  | 'relativeYearly';
export type RecurrenceRangeType = 'endDate' | 'noEnd' | 'numbered';
export type DayOfWeek = 'sunday' | 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday';
export type WeekIndex = 'first' | 'second' | 'third' | 'fourth' | 'last';
export type FollowupFlagStatus = 'notFlagged' | 'complete' | 'flagged';
export type InferenceClassificationType = 'focused' | 'other';

export interface EmailAddress {
  name?: string;
  address?: string;
}

export interface Recipient {
  emailAddress: EmailAddress;
}

export interface ResponseStatus {
  response: ResponseType;
  /** DateTimeOffset, e.g. "0001-01-01T00:00:00Z" when never responded. */
  time: string;
}

export interface DateTimeTimeZone {
  /** "2024-01-01T09:00:00.0000000" */
  dateTime: string;
  timeZone?: string;
}

export interface TimeSlot {
  start: DateTimeTimeZone;
  end: DateTimeTimeZone;
}

export interface Attendee extends Recipient {
  type: AttendeeType;
  status: ResponseStatus;
  proposedNewTime?: TimeSlot | null;
}

export interface ItemBody {
  contentType: BodyType;
  content: string;
}

export interface PhysicalAddress {
  street?: string;
  city?: string;
  state?: string;
  countryOrRegion?: string;
  postalCode?: string;
}

export interface OutlookGeoCoordinates {
  latitude?: number;
  longitude?: number;
  accuracy?: number;
  altitude?: number;
  altitudeAccuracy?: number;
}

export interface Location {
  displayName?: string;
  locationType?: LocationType;
  uniqueId?: string;
  uniqueIdType?: 'unknown' | 'locationStore' | 'directory' | 'private' | 'bing';
  locationUri?: string;
  locationEmailAddress?: string;
  address?: PhysicalAddress;
  coordinates?: OutlookGeoCoordinates;
}

export interface OnlineMeetingInfo {
  joinUrl?: string;
  conferenceId?: string;
  tollNumber?: string;
  tollFreeNumbers?: string[];
  quickDial?: string;
  phones?: { number: string; type: string }[];
}

export interface RecurrencePattern {
  type: RecurrencePatternType;
  interval: number;
  month?: number;
  dayOfMonth?: number;
  daysOfWeek?: DayOfWeek[];
  firstDayOfWeek?: DayOfWeek;
  index?: WeekIndex;
}

export interface RecurrenceRange {
  type: RecurrenceRangeType;
  /** Edm.Date "2024-01-01" */
  startDate: string;
  /** Edm.Date; "0001-01-01" when unused, as Graph returns it. */
  endDate?: string;
  recurrenceTimeZone?: string;
  numberOfOccurrences?: number;
}

export interface PatternedRecurrence {
  pattern: RecurrencePattern;
  range: RecurrenceRange;
}

export interface FollowupFlag {
  flagStatus: FollowupFlagStatus;
  startDateTime?: DateTimeTimeZone;
  dueDateTime?: DateTimeTimeZone;
  completedDateTime?: DateTimeTimeZone;
}

export interface InternetMessageHeader {
  name: string;
  value: string;
}

/** outlookItem base type. */
export interface GraphOutlookItem {
  id: string;
  createdDateTime?: string;
  lastModifiedDateTime?: string;
  changeKey?: string;
  categories?: string[];
}

export interface GraphCalendar {
  id: string;
  name?: string;
  color?: CalendarColor;
  hexColor?: string;
  isDefaultCalendar?: boolean;
  changeKey?: string;
  canShare?: boolean;
  canViewPrivateItems?: boolean;
  canEdit?: boolean;
  allowedOnlineMeetingProviders?: OnlineMeetingProviderType[];
  defaultOnlineMeetingProvider?: OnlineMeetingProviderType;
  isTallyingResponses?: boolean;
  isRemovable?: boolean;
  owner?: EmailAddress;
}

export interface GraphEvent extends GraphOutlookItem {
  originalStartTimeZone?: string;
  originalEndTimeZone?: string;
  responseStatus?: ResponseStatus;
  iCalUId?: string;
  reminderMinutesBeforeStart?: number;
  isReminderOn?: boolean;
  hasAttachments?: boolean;
  subject?: string;
  bodyPreview?: string;
  importance?: Importance;
  sensitivity?: Sensitivity;
  isAllDay?: boolean;
  isCancelled?: boolean;
  isOrganizer?: boolean;
  responseRequested?: boolean;
  seriesMasterId?: string | null;
  showAs?: FreeBusyStatus;
  type?: EventType;
  webLink?: string;
  onlineMeetingUrl?: string | null;
  isOnlineMeeting?: boolean;
  onlineMeetingProvider?: OnlineMeetingProviderType;
  allowNewTimeProposals?: boolean;
  isDraft?: boolean;
  hideAttendees?: boolean;
  transactionId?: string | null;
  originalStart?: string;
  recurrence?: PatternedRecurrence | null;
  cancelledOccurrences?: string[];
  onlineMeeting?: OnlineMeetingInfo | null;
  body?: ItemBody;
  start?: DateTimeTimeZone;
  end?: DateTimeTimeZone;
  location?: Location;
  locations?: Location[];
  attendees?: Attendee[];
  organizer?: Recipient;
}

export interface GraphContact extends GraphOutlookItem {
  parentFolderId?: string;
  birthday?: string | null;
  fileAs?: string;
  displayName?: string;
  givenName?: string;
  initials?: string | null;
  middleName?: string | null;
  nickName?: string | null;
  surname?: string;
  title?: string | null;
  yomiGivenName?: string | null;
  yomiSurname?: string | null;
  yomiCompanyName?: string | null;
  generation?: string | null;
  imAddresses?: string[];
  jobTitle?: string | null;
  companyName?: string | null;
  department?: string | null;
  officeLocation?: string | null;
  profession?: string | null;
  businessHomePage?: string | null;
  assistantName?: string | null;
  manager?: string | null;
  homePhones?: string[];
  mobilePhone?: string | null;
  businessPhones?: string[];
  spouseName?: string | null;
  personalNotes?: string;
  children?: string[];
  emailAddresses?: EmailAddress[];
  primaryEmailAddress?: EmailAddress;
  secondaryEmailAddress?: EmailAddress;
  tertiaryEmailAddress?: EmailAddress;
  homeAddress?: PhysicalAddress;
  businessAddress?: PhysicalAddress;
  otherAddress?: PhysicalAddress;
}

export interface GraphMessage extends GraphOutlookItem {
  receivedDateTime?: string;
  sentDateTime?: string;
  hasAttachments?: boolean;
  internetMessageId?: string;
  subject?: string;
  bodyPreview?: string;
  importance?: Importance;
  parentFolderId?: string;
  conversationId?: string;
  /** Edm.Binary as base64. */
  conversationIndex?: string;
  isDeliveryReceiptRequested?: boolean | null;
  isReadReceiptRequested?: boolean;
  isRead?: boolean;
  isDraft?: boolean;
  webLink?: string;
  inferenceClassification?: InferenceClassificationType;
  body?: ItemBody;
  uniqueBody?: ItemBody;
  sender?: Recipient;
  from?: Recipient;
  toRecipients?: Recipient[];
  ccRecipients?: Recipient[];
  bccRecipients?: Recipient[];
  replyTo?: Recipient[];
  flag?: FollowupFlag;
  internetMessageHeaders?: InternetMessageHeader[];
}

export interface GraphMailFolder {
  id: string;
  displayName: string;
  wellKnownName?: 'inbox' | 'sentitems' | 'drafts' | 'deleteditems' | 'archive';
  /** Top-level folders point at the mailbox root (msgfolderroot), which is not itself listed, as in Graph. */
  parentFolderId?: string;
  childFolderCount?: number;
  unreadItemCount?: number;
  totalItemCount?: number;
  isHidden?: boolean;
}

export interface GraphContactFolder {
  id: string;
  displayName: string;
  /** Top-level folders point at the contacts root, which is not itself listed, as in Graph. */
  parentFolderId: string;
}

export interface GraphUser {
  id: string;
  userPrincipalName: string;
  displayName: string;
  mail: string;
  givenName?: string;
  surname?: string;
  jobTitle?: string;
  officeLocation?: string;
  preferredLanguage?: string;
}
