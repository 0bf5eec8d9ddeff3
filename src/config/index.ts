import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { describeAuthConfig, readAuthConfig, type AuthConfig } from './auth.js';
import { cloudOfGraphHost, GRAPH_CLOUD_NAMES, GRAPH_CLOUDS, type GraphCloud } from './clouds.js';
import { MIN_SECRET_LENGTH } from '../cursor/codec.js';
import { LOG_LEVELS, type LogLevel } from '../log.js';

export { GRAPH_CLOUDS, type GraphCloud } from './clouds.js';
export type { AuthConfig, ClientCredential } from './auth.js';

export const AUTH_MODES = ['passthrough', 'obo', 'app', 'demo'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];
export const CALENDARS_VERSIONS = ['beta', 'v1.0'] as const;
export type CalendarsVersion = (typeof CALENDARS_VERSIONS)[number];

/** Everything the gateway reads from its environment, parsed once, frozen. */
export interface Config {
  /** `PORT`: where the server listens (0 = any free port). @default 4000 */
  readonly port: number;
  /** `HOST`: interface the server binds to. @default '127.0.0.1' */
  readonly host: string;
  /**
   * Demo mode: `GRAPH_BASE_URL` unset and `AUTH_MODE` unset or `demo`. The server starts the
   * embedded emulator and uses its URL instead of `graph.baseUrl` (see {@link withGraphBaseUrl}).
   * @default true when neither `GRAPH_BASE_URL` nor `AUTH_MODE` is set
   */
  readonly demo: boolean;
  /** `AUTH_MODE`. @default 'demo' in demo mode, otherwise 'passthrough' */
  readonly authMode: AuthMode;
  /** Settings of the obo and app auth modes (`AUTH_CLIENT_ID`, `AUTH_TENANT_ID`, credentials, audiences, API keys…). */
  readonly auth: AuthConfig;
  readonly graph: GraphConfig;
  readonly cursor: CursorConfig;
  readonly store: StoreConfig;
  readonly poll: PollConfig;
  readonly push: PushConfig;
  readonly log: LogConfig;
  /**
   * Whether the live mailbox page (src/demo/) is served: at `/` and `/demo` in demo mode, at `/demo`
   * otherwise when `DEMO_PAGE=true`. @default true in demo mode, otherwise false
   */
  readonly demoPage: boolean;
  readonly metrics: MetricsConfig;
  readonly traces: TracesConfig;
  readonly read: ReadPathConfig;
}

export interface MetricsConfig {
  /** `METRICS_PORT`: where `GET /metrics` is served (bound to `HOST`); unset: no metrics endpoint. */
  readonly port: number | undefined;
}

export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

/**
 * OpenTelemetry's own variables; the SDK reads the rest (`OTEL_BSP_*`, `OTEL_EXPORTER_OTLP_HEADERS`,
 * `OTEL_TRACES_SAMPLER`, `OTEL_RESOURCE_ATTRIBUTES`…) itself.
 */
export interface TracesConfig {
  /** `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set: traces are exported. */
  readonly enabled: boolean;
  /** `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL` or `OTEL_EXPORTER_OTLP_PROTOCOL`. @default 'http/protobuf' */
  readonly protocol: OtlpProtocol;
  /** `OTEL_SERVICE_NAME`. @default 'delta-gateway' */
  readonly serviceName: string;
}

export interface GraphConfig {
  /** `GRAPH_CLOUD`; inferred from `GRAPH_BASE_URL` when that is a national cloud's Graph host. @default 'global' */
  readonly cloud: GraphCloud;
  /**
   * `GRAPH_BASE_URL`: Graph root without version and without trailing slash; `/v1.0` or `/beta` go after it.
   * @default `https://<the cloud's Graph host>` (e.g. 'https://graph.microsoft.com')
   */
  readonly baseUrl: string;
  /** Origin of `baseUrl`: the only origin Graph tokens are sent to. */
  readonly origin: string;
  /** `AUTH_AUTHORITY`: login host root, without tenant. @default `https://<the cloud's login host>` */
  readonly loginAuthority: string;
  /** Scope for Graph tokens: `https://<the cloud's Graph host>/.default` (tokens' audience is the cloud's host even behind a proxy). */
  readonly scope: string;
  /** `GRAPH_IMMUTABLE_IDS`: send `Prefer: IdType="ImmutableId"`. @default true */
  readonly immutableIds: boolean;
  /** `GRAPH_RETRY_BUDGET_MS`: time one GraphQL request may spend retrying 429/503/504. @default 30000 */
  readonly retryBudgetMs: number;
  /** `GRAPH_CALENDARS_VERSION`: Graph version for calendar delta. @default 'beta' */
  readonly calendarsVersion: CalendarsVersion;
  /** `GRAPH_MAILBOX_CONCURRENCY`: Graph requests in flight per mailbox (Outlook allows 4 per app and mailbox). @default 4 */
  readonly mailboxConcurrency: number;
}

export interface CursorConfig {
  /** `CURSOR_SECRET` split on commas: the first seals, all open. @default one random secret in demo mode; required otherwise */
  readonly secrets: readonly string[];
  /** True when the secret was generated at start (demo mode): cursors do not survive a restart. */
  readonly generated: boolean;
}

export interface StoreConfig {
  /** `STORE_URL`: `memory://`, `sqlite://<path>` or `redis://host:port` (`rediss://` for TLS). @default 'memory://' */
  readonly url: string;
}

export interface PollConfig {
  /** `POLL_INTERVAL_MS`: subscription poll interval. @default 30000 */
  readonly intervalMs: number;
  /** `MAX_POLLERS_PER_PRINCIPAL`: distinct pollers one principal may run. @default 50 */
  readonly maxPollersPerPrincipal: number;
  /** `MAX_SUBSCRIPTIONS_PER_PRINCIPAL`: open subscriptions of one principal. @default 500 */
  readonly maxSubscriptionsPerPrincipal: number;
  /** `POLL_LOCK_TTL_MS`: lifetime of a poll lease without renewal (renewed every third of it); how soon another instance takes over a dead one's keys. @default 5000 */
  readonly lockTtlMs: number;
  /**
   * `POLL_CRASH_AT=<step>[:<n>]`, a test seam: the process SIGKILLs itself at that step of its n-th poll
   * cycle that finds changes (`before-read`: at the start of the cycle after it). @default unset
   */
  readonly crashAt?: PollCrashPoint | undefined;
}

export interface PushConfig {
  /**
   * `NOTIFICATION_URL`: public base URL at which Graph reaches this gateway (https; http only for a
   * loopback host). Unset: no change notifications, pollers poll every `POLL_INTERVAL_MS`.
   */
  readonly notificationUrl: string | undefined;
  /** `POLL_BACKSTOP_MS`: poll interval of a poller whose Graph subscription is live. @default 300000 */
  readonly backstopMs: number;
}

/** The steps of a poll cycle, in order (see src/poll/poller.ts). */
export const POLL_CYCLE_STEPS = ['before-read', 'after-read', 'before-publish', 'after-publish', 'after-checkpoint'] as const;
export type PollCycleStep = (typeof POLL_CYCLE_STEPS)[number];

export interface PollCrashPoint {
  readonly step: PollCycleStep;
  /** Which cycle with changes (1 = the first). */
  readonly cycle: number;
}

/** Switches of the read path's speed-ups (each can be turned off if it misbehaves). */
export interface ReadPathConfig {
  /** `GRAPHQL_JIT`: execute queries with graphql-jit (graphql-js for what it cannot compile and for subscriptions). @default true */
  readonly jit: boolean;
  /** `GRAPH_PREFETCH`: fetch Graph's next page of a round while the client reads this one. @default true */
  readonly prefetch: boolean;
}

export interface LogConfig {
  /** `LOG_LEVEL`: fatal, error, warn, info, debug, trace or silent. @default 'info' */
  readonly level: LogLevel;
}

export interface ConfigIssue {
  /** The environment variable at fault. */
  readonly variable: string;
  readonly message: string;
}

/** Start-up configuration is invalid; the message lists every bad variable, one per line. */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super(`Invalid configuration (${count}):\n${issues.map(({ variable, message }) => `  - ${variable}: ${message}`).join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

type Env = Record<string, string | undefined>;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
// Values of these variables may hold credentials: never quoted back in a message.
const SECRET_VARIABLES = new Set(['CURSOR_SECRET', 'STORE_URL', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']);

const integer = (min: number, max: number, what: string) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, { error: what })
    .transform(Number)
    .pipe(z.number().int().min(min, { error: what }).max(max, { error: what }));

const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(values, { error: `expected one of ${values.join(', ')}` }));

const boolean = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0'], { error: 'expected true, false, 1 or 0' }))
  .transform((value) => value === 'true' || value === '1');

/** An https URL (http only on loopback) with no credentials, query or fragment; returned without trailing slash. */
const baseUrl = (example: string, allowPath: boolean) =>
  z.string().trim().transform((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: `expected an absolute URL such as ${example}` });
      return z.NEVER;
    }
    const problems = [
      url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) ? undefined : 'must use https (http only for localhost/127.0.0.1)',
      url.username || url.password ? 'must not contain credentials' : undefined,
      url.search || url.hash ? 'must not contain a query or fragment' : undefined,
      !allowPath && url.pathname !== '/' ? `must be the host root without a path, e.g. ${example}` : undefined,
      /\/(v1\.0|beta)\/?$/i.test(url.pathname) ? `must not include the version: /v1.0 and /beta are appended per resource (e.g. ${example})` : undefined,
    ].filter((problem) => problem !== undefined);
    for (const message of problems) ctx.addIssue({ code: 'custom', message });
    return problems.length > 0 ? z.NEVER : `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  });

const storeUrl = z.string().trim().refine(
  (value) => {
    if (/^memory:(\/\/)?$/i.test(value)) return true;
    if (/^sqlite:\/\/.+/i.test(value)) return true;
    try {
      const url = new URL(value);
      return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
    } catch {
      return false;
    }
  },
  { error: 'expected memory://, sqlite://<path> or redis://host:port (rediss:// for TLS)' },
);

const crashPoint = z
  .string()
  .trim()
  .toLowerCase()
  .regex(new RegExp(`^(${POLL_CYCLE_STEPS.join('|')})(:[1-9]\\d{0,5})?$`), { error: `expected <step>[:<n>] with step one of ${POLL_CYCLE_STEPS.join(', ')}` })
  .transform((value): PollCrashPoint => {
    const [step, cycle] = value.split(':');
    return { step: step as PollCycleStep, cycle: cycle === undefined ? 1 : Number(cycle) };
  });

const host = z.string().trim().regex(/^[^\s/]+$/, { error: 'expected a host name or IP address' });

function secretList(value: string): string[] {
  return value
    .split(',')
    .map((secret) => secret.trim())
    .filter((secret) => secret !== '');
}

/**
 * Parses the environment into a frozen {@link Config}; the only reader of `process.env`.
 * Empty values count as unset. Throws {@link ConfigError} naming every bad variable at once.
 */
export function loadConfig(env: Env = process.env): Config {
  const issues: ConfigIssue[] = [];
  const raw = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value;
  };
  function read<T>(name: string, schema: z.ZodType<T, string>, fallback: T): T;
  function read<T>(name: string, schema: z.ZodType<T, string>): T | undefined;
  function read<T>(name: string, schema: z.ZodType<T, string>, fallback?: T): T | undefined {
    const value = raw(name);
    if (value === undefined) return fallback;
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    const quoted = SECRET_VARIABLES.has(name) ? '' : ` (got ${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)})`;
    for (const issue of result.error.issues) issues.push({ variable: name, message: `${issue.message}${quoted}` });
    return fallback;
  }

  const port = read('PORT', integer(0, 65_535, 'expected a port number from 0 to 65535'), 4000);
  const listenHost = read('HOST', host, '127.0.0.1');
  const explicitCloud = read('GRAPH_CLOUD', oneOf(GRAPH_CLOUD_NAMES as [GraphCloud, ...GraphCloud[]]));
  const explicitBaseUrl = read('GRAPH_BASE_URL', baseUrl('https://graph.microsoft.com', true));
  const explicitAuthMode = read('AUTH_MODE', oneOf(AUTH_MODES));
  const authority = read('AUTH_AUTHORITY', baseUrl('https://login.microsoftonline.com', false));
  const store = read('STORE_URL', storeUrl, 'memory://');
  const pollIntervalMs = read('POLL_INTERVAL_MS', integer(1, 2_147_483_647, 'expected a positive integer (milliseconds)'), 30_000);
  const maxPollersPerPrincipal = read('MAX_POLLERS_PER_PRINCIPAL', integer(1, 1_000_000, 'expected a positive integer'), 50);
  const maxSubscriptionsPerPrincipal = read('MAX_SUBSCRIPTIONS_PER_PRINCIPAL', integer(1, 10_000_000, 'expected a positive integer'), 500);
  const notificationUrl = read('NOTIFICATION_URL', baseUrl('https://gateway.example.com', true));
  const backstopMs = read('POLL_BACKSTOP_MS', integer(1, 2_147_483_647, 'expected a positive integer (milliseconds)'), 300_000);
  const pollLockTtlMs = read('POLL_LOCK_TTL_MS', integer(100, 2_147_483_647, 'expected an integer of at least 100 (milliseconds)'), 5000);
  const pollCrashAt = read('POLL_CRASH_AT', crashPoint);
  const immutableIds = read('GRAPH_IMMUTABLE_IDS', boolean, true);
  const retryBudgetMs = read('GRAPH_RETRY_BUDGET_MS', integer(0, 2_147_483_647, 'expected a non-negative integer (milliseconds)'), 30_000);
  const calendarsVersion = read('GRAPH_CALENDARS_VERSION', oneOf(CALENDARS_VERSIONS), 'beta');
  const mailboxConcurrency = read('GRAPH_MAILBOX_CONCURRENCY', integer(1, 1000, 'expected a positive integer (requests in flight per mailbox)'), 4);
  const logLevel = read('LOG_LEVEL', oneOf(LOG_LEVELS), 'info');
  const demoPage = read('DEMO_PAGE', boolean);
  const metricsPort = read('METRICS_PORT', integer(0, 65_535, 'expected a port number from 0 to 65535'));
  const otlpUrl = z.string().trim().pipe(z.url({ error: 'expected an absolute URL of an OTLP collector, e.g. http://localhost:4318' }));
  const otlpEndpoint = read('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', otlpUrl) ?? read('OTEL_EXPORTER_OTLP_ENDPOINT', otlpUrl);
  const otlpProtocol = read('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', oneOf(OTLP_PROTOCOLS)) ?? read('OTEL_EXPORTER_OTLP_PROTOCOL', oneOf(OTLP_PROTOCOLS), 'http/protobuf');
  const serviceName = raw('OTEL_SERVICE_NAME')?.trim() ?? 'delta-gateway';
  const jit = read('GRAPHQL_JIT', boolean, true);
  const prefetch = read('GRAPH_PREFETCH', boolean, true);

  // Demo mode: nothing says where a real Graph is. An unparsable GRAPH_BASE_URL still counts as set.
  const baseUrlSet = raw('GRAPH_BASE_URL') !== undefined;
  const authModeSet = raw('AUTH_MODE') !== undefined;
  const demo = !baseUrlSet && (explicitAuthMode === undefined ? !authModeSet : explicitAuthMode === 'demo');
  if (baseUrlSet && explicitAuthMode === 'demo') {
    issues.push({
      variable: 'AUTH_MODE',
      message: 'demo runs the embedded emulator and cannot be combined with GRAPH_BASE_URL; use passthrough, obo or app (or unset GRAPH_BASE_URL)',
    });
  }
  const authMode: AuthMode = explicitAuthMode ?? (demo ? 'demo' : 'passthrough');
  const auth = readAuthConfig(raw, authMode, issues, MIN_SECRET_LENGTH);

  const inferredCloud = explicitBaseUrl === undefined ? undefined : cloudOfGraphHost(new URL(explicitBaseUrl).hostname);
  if (explicitCloud !== undefined && inferredCloud !== undefined && explicitCloud !== inferredCloud) {
    issues.push({ variable: 'GRAPH_CLOUD', message: `is ${explicitCloud} but GRAPH_BASE_URL is the ${inferredCloud} cloud's Graph host` });
  }
  const cloud = explicitCloud ?? inferredCloud ?? 'global';
  const { graphHost, loginHost } = GRAPH_CLOUDS[cloud];
  const graphBaseUrl = explicitBaseUrl ?? `https://${graphHost}`;

  const secrets = secretList(raw('CURSOR_SECRET') ?? '');
  secrets.forEach((secret, index) => {
    if (secret.length < MIN_SECRET_LENGTH) {
      const which = secrets.length === 1 ? 'the secret' : `secret #${index + 1}`;
      issues.push({
        variable: 'CURSOR_SECRET',
        message: `${which} has ${secret.length} characters; each needs at least ${MIN_SECRET_LENGTH} (e.g. \`openssl rand -base64 48\`)`,
      });
    }
  });
  if (secrets.length === 0 && !demo) {
    const reason = baseUrlSet ? 'GRAPH_BASE_URL is set' : `AUTH_MODE is ${raw('AUTH_MODE')?.trim()}`;
    issues.push({
      variable: 'CURSOR_SECRET',
      message: `${reason} but CURSOR_SECRET is missing: outside demo mode cursors must survive restarts and be shared by every instance. Set one or more comma-separated secrets of at least ${MIN_SECRET_LENGTH} characters (the first seals, all open), e.g. \`openssl rand -base64 48\``,
    });
  }
  const generated = secrets.length === 0 && demo;

  if (issues.length > 0) throw new ConfigError(issues);

  return deepFreeze({
    port,
    host: listenHost,
    demo,
    authMode,
    auth,
    graph: {
      cloud,
      baseUrl: graphBaseUrl,
      origin: new URL(graphBaseUrl).origin,
      loginAuthority: authority ?? `https://${loginHost}`,
      scope: `https://${graphHost}/.default`,
      immutableIds,
      retryBudgetMs,
      calendarsVersion,
      mailboxConcurrency,
    },
    cursor: { secrets: generated ? [randomBytes(48).toString('base64url')] : secrets, generated },
    store: { url: store },
    poll: { intervalMs: pollIntervalMs, maxPollersPerPrincipal, maxSubscriptionsPerPrincipal, lockTtlMs: pollLockTtlMs, ...(pollCrashAt ? { crashAt: pollCrashAt } : {}) },
    push: { notificationUrl: notificationUrl ?? demoNotificationUrl(demo, listenHost, port), backstopMs },
    log: { level: logLevel },
    demoPage: demoPage ?? demo,
    metrics: { port: metricsPort },
    traces: { enabled: otlpEndpoint !== undefined, protocol: otlpProtocol, serviceName },
    read: { jit, prefetch },
  } satisfies Config);
}

/**
 * Demo mode shows push at work: the embedded emulator notifies the gateway over loopback, so a change
 * reaches the live page in about a second instead of a poll interval. Only where loopback reaches the
 * listener and the port is known before it listens; `NOTIFICATION_URL` set wins.
 */
function demoNotificationUrl(demo: boolean, listenHost: string, port: number): string | undefined {
  const loopbackReachable = ['127.0.0.1', 'localhost', '0.0.0.0', '::', '[::]', '::1', '[::1]'].includes(listenHost);
  return demo && port !== 0 && loopbackReachable ? `http://127.0.0.1:${port}` : undefined;
}

/** The same config with another Graph root (demo mode: the embedded emulator's URL, known only once it listens). */
export function withGraphBaseUrl(config: Config, url: string): Config {
  const parsed = baseUrl('http://127.0.0.1:4001', true).safeParse(url);
  if (!parsed.success) throw new Error(`withGraphBaseUrl: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`);
  return deepFreeze({ ...config, graph: { ...config.graph, baseUrl: parsed.data, origin: new URL(parsed.data).origin } });
}

/** What is safe to log at start-up: no secrets, no store credentials. */
export function describeConfig(config: Config): Record<string, unknown> {
  const { cursor, store, auth, ...rest } = config;
  return { ...rest, auth: describeAuthConfig(auth), cursor: { secrets: cursor.secrets.length, generated: cursor.generated }, store: { url: store.url.replace(/\/\/[^@/]*@/, '//[redacted]@') } };
}

/**
 * Reads a `.env` file into `process.env` if it exists (variables already set win). Call it from the
 * CLI entry before {@link loadConfig}; tests pass an explicit env instead. Returns whether a file was read.
 */
export function loadDotEnv(path = '.env'): boolean {
  if (!existsSync(path)) return false;
  process.loadEnvFile(path);
  return true;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
