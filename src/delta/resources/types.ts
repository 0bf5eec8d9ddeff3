import type { QueryParam } from './query-options.js';

export type ResourceName = 'calendars' | 'events' | 'contacts' | 'messages';
export type GraphVersion = 'v1.0' | 'beta';

/** The configuration the descriptors read. */
export interface DeltaSettings {
  /** Graph version for calendar delta (documented in beta). @default 'beta' */
  graphCalendarsVersion: GraphVersion;
  /** Send `Prefer: IdType="ImmutableId"` (events, contacts, messages). @default true */
  graphImmutableIds: boolean;
}

/** Arguments every delta field takes. */
export interface CommonDeltaArgs {
  userId?: string | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
  last?: number | null | undefined;
  before?: string | null | undefined;
}

/** A round option, normalised so that two spellings of the same value compare equal. */
export type RoundOptionValue = string | number | boolean | null;
export type RoundOptions = Record<string, RoundOptionValue>;

export interface Translation {
  /** The resource's options as given (normalised); a cursor keeps them and compares later calls. */
  options: RoundOptions;
  /** Query parameters of the round's first request (never repeated on links: Graph keeps them). */
  query: QueryParam[];
  /** Prefer preferences the resource adds (besides odata.maxpagesize and IdType). */
  prefer: string[];
}

export interface TranslateContext {
  /** True without `after`: options required on the first request (e.g. the calendarView window) must be there. */
  newRound: boolean;
}

/**
 * One Graph delta function, described as data: the engine, the schema and the docs read it.
 * `translate` validates and translates the resource's own arguments, before any I/O; it throws a
 * `gatewayError` that names the argument and the resource.
 */
export interface DeltaResource<A extends CommonDeltaArgs = CommonDeltaArgs> {
  name: ResourceName;
  /** The GraphQL query field, e.g. `messagesDelta` (used in error messages). */
  field: string;
  version(settings: DeltaSettings): GraphVersion;
  /**
   * Path below the version: `who` is `/me` or `/users/{id}`. Every id argument in it goes through
   * `idSegment` (ids.ts), which throws BAD_USER_INPUT naming the argument; it is called before any I/O.
   */
  path(who: string, args: A): string;
  /** Whether the selected fields go to Graph as `$select` (Graph rejects it on some delta functions). */
  selectable: boolean;
  /** Whether `Prefer: IdType="ImmutableId"` applies (items, not containers). */
  immutableIds: boolean;
  translate(args: A, context: TranslateContext): Translation;
}
