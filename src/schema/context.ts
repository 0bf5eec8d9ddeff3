import type { Logger } from 'pino';
import type { AuthResult } from '../auth/types.js';
import type { CursorCodec } from '../cursor/index.js';
import type { DeltaEngine } from '../delta/engine.js';
import type { DeltaSettings } from '../delta/resources/types.js';
import type { GraphLoader } from '../graph/loader.js';
import type { Pollers } from '../poll/pollers.js';

/** What the gateway reads from the configuration (a slice of `Config`). */
export interface GatewaySettings extends DeltaSettings {
  /** Graph root without version, e.g. `https://graph.microsoft.com`. */
  graphBaseUrl: string;
  /** App-only credentials (AUTH_MODE=app): every field needs `userId`. @default false */
  requireUserId?: boolean;
}

/** Built once per gateway; shared by all requests. */
export interface GatewayServices {
  settings: GatewaySettings;
  cursors: CursorCodec;
  engine: DeltaEngine;
  /** Shared subscription pollers (src/poll/). */
  pollers: Pollers;
  logger: Logger;
}

/** The GraphQL context of one request. */
export interface GatewayContext {
  services: GatewayServices;
  request: Request;
  /** This operation's Graph loader: every Graph GET of its resolvers (deduplicated, `$batch`ed). */
  graph: GraphLoader;
  /** Who (`/me` or `/users/{id}`) each Graph item of this operation was read from, for its relationship fields. */
  owners: WeakMap<object, string>;
  /** Authenticates the caller on first use (introspection needs no token), then memoises. */
  auth(): Promise<AuthResult>;
}
