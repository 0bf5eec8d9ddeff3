import { pino, stdSerializers, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { scopeLogFields } from './telemetry/request-scope.js';

export type { Logger } from 'pino';
/** pino's levels plus `silent`. */
export type LogLevel = LevelWithSilent;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const satisfies readonly LogLevel[];

const CENSOR = '[redacted]';

// Query (or OData function) parameters whose values are secrets: Graph's paging tokens
// ($skiptoken, $deltatoken, skiptoken, deltatoken, token) and OAuth parameters.
const SECRET_PARAMETER = String.raw`(?:(?:\$|%24)?(?:skip|delta)?token|access_token|refresh_token|id_token|client_secret|client_assertion)`;
const SECRET_IN_URL = new RegExp(String.raw`([?&;#(,]${SECRET_PARAMETER}(?:=|%3D))('[^']*'|(?:(?!%26)[^&#\s"'),;])*)`, 'gi');

/**
 * Replaces the values of `$skiptoken`, `$deltatoken`, `skiptoken`, `deltatoken`, `token` (any
 * casing, `$` literal or `%24`) and OAuth token parameters in a URL, or in any text holding URLs,
 * with `[redacted]`. Use it on every Graph link before it reaches a log line or an error.
 */
export function redactUrl(url: string | URL): string {
  return String(url).replace(SECRET_IN_URL, `$1${CENSOR}`);
}

const REDACT_PATHS = [
  'authorization',
  'Authorization',
  'cookie',
  'headers.authorization',
  'headers.Authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.Authorization',
  '*.headers.cookie',
  '*.headers["x-api-key"]',
  '*.connectionParams.authorization',
  'connectionParams.authorization',
  ...['token', 'accessToken', 'access_token', 'refreshToken', 'refresh_token', 'idToken', 'id_token', 'clientSecret', 'client_secret', 'secret', 'cursorSecret', 'password', 'apiKey'].flatMap(
    (key) => [key, `*.${key}`],
  ),
];

function redactString(value: unknown): unknown {
  return typeof value === 'string' || value instanceof URL ? redactUrl(value) : value;
}

// Errors from fetch/undici and Graph may quote the URL they failed on.
function redactError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const serialised = stdSerializers.err(error);
  return { ...serialised, message: redactUrl(serialised.message), stack: redactUrl(serialised.stack) };
}

export interface LoggerOptions {
  /** Where lines go. @default stdout */
  destination?: DestinationStream;
  /** `name` field on every line. @default 'delta-gateway' */
  name?: string;
}

/**
 * The project's logger (pino, JSON lines). Authorization headers and token fields are censored;
 * `url`, `link`, `nextLink`, `deltaLink` and `path` fields, error messages and message strings pass through {@link redactUrl}.
 * Inside a request (see `src/telemetry/request-scope.ts`) every line carries `requestId`, `operationType`
 * and `principal` (a salted hash).
 */
export function createLogger(level: LogLevel = 'info', options: LoggerOptions = {}): Logger {
  const { destination, name = 'delta-gateway' } = options;
  const settings = {
    name,
    level,
    redact: { paths: REDACT_PATHS, censor: CENSOR },
    // Lines written while serving a request carry its requestId, operation type and principal hash.
    mixin: scopeLogFields,
    serializers: {
      url: redactString,
      link: redactString,
      nextLink: redactString,
      deltaLink: redactString,
      path: redactString,
      err: redactError,
      error: redactError,
    },
    hooks: {
      // Messages too: a link interpolated into a message string is still redacted.
      logMethod(this: Logger, args: Parameters<Logger['info']>, method: (...args: unknown[]) => void) {
        const redacted: unknown[] = args.map((arg) => (typeof arg === 'string' ? redactUrl(arg) : arg));
        // `logger.error(err)` alone would copy err.message into `msg` unredacted.
        if (redacted[0] instanceof Error && typeof redacted[1] !== 'string') redacted.splice(1, 0, redactUrl(redacted[0].message));
        method.apply(this, redacted);
      },
    },
  };
  return destination === undefined ? pino(settings) : pino(settings, destination);
}
