import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig, loadDotEnv, withGraphBaseUrl } from '../../src/config/index.js';
import { createCursorCodec } from '../../src/cursor/codec.js';

const SECRET = 'x'.repeat(40);
const OLD_SECRET = 'o'.repeat(32);

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('starts in demo mode with no configuration, with the contract defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 4000,
      host: '127.0.0.1',
      demo: true,
      authMode: 'demo',
      graph: {
        cloud: 'global',
        baseUrl: 'https://graph.microsoft.com',
        origin: 'https://graph.microsoft.com',
        loginAuthority: 'https://login.microsoftonline.com',
        scope: 'https://graph.microsoft.com/.default',
        immutableIds: true,
        retryBudgetMs: 30_000,
        calendarsVersion: 'beta',
      },
      cursor: { generated: true },
      store: { url: 'memory://' },
      poll: { intervalMs: 30_000 },
      log: { level: 'info' },
    });
    expect(config.cursor.secrets).toHaveLength(1);
    // The generated secret is usable by the codec and differs per start.
    expect(() => createCursorCodec(config.cursor.secrets)).not.toThrow();
    expect(loadConfig({}).cursor.secrets[0]).not.toBe(config.cursor.secrets[0]);
  });

  it('is demo with AUTH_MODE=demo, keeping a given CURSOR_SECRET', () => {
    const config = loadConfig({ AUTH_MODE: 'demo', CURSOR_SECRET: SECRET });
    expect(config).toMatchObject({ demo: true, authMode: 'demo', cursor: { secrets: [SECRET], generated: false } });
  });

  it('treats empty values as unset (as in a .env template)', () => {
    expect(loadConfig({ PORT: '', GRAPH_BASE_URL: ' ', AUTH_MODE: '' })).toMatchObject({ port: 4000, demo: true });
  });

  it('POLL_LOCK_TTL_MS defaults to 5 s; POLL_CRASH_AT (a test seam) is unset unless given, step and cycle', () => {
    expect(loadConfig({}).poll).toEqual({ intervalMs: 30_000, lockTtlMs: 5000, maxPollersPerPrincipal: 50, maxSubscriptionsPerPrincipal: 500 });
    expect(loadConfig({ POLL_LOCK_TTL_MS: '1500', POLL_CRASH_AT: 'after-publish' }).poll).toMatchObject({ lockTtlMs: 1500, crashAt: { step: 'after-publish', cycle: 1 } });
    expect(loadConfig({ POLL_CRASH_AT: 'Before-Read:3' }).poll.crashAt).toEqual({ step: 'before-read', cycle: 3 });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      GRAPH_BASE_URL: 'https://graph.microsoft.com/',
      AUTH_MODE: 'OBO',
      CURSOR_SECRET: ` ${SECRET} , ${OLD_SECRET} `,
      STORE_URL: 'redis://cache:6379',
      POLL_INTERVAL_MS: '500',
      GRAPH_IMMUTABLE_IDS: 'false',
      GRAPH_RETRY_BUDGET_MS: '0',
      GRAPH_CALENDARS_VERSION: 'v1.0',
      LOG_LEVEL: 'debug',
      AUTH_AUTHORITY: 'https://login.example.test',
      AUTH_CLIENT_ID: '11111111-2222-3333-4444-555555555555',
      AUTH_TENANT_ID: '66666666-7777-8888-9999-000000000000',
      AUTH_CLIENT_SECRET: 'a-client-secret',
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      demo: false,
      authMode: 'obo',
      graph: {
        baseUrl: 'https://graph.microsoft.com',
        loginAuthority: 'https://login.example.test',
        immutableIds: false,
        retryBudgetMs: 0,
        calendarsVersion: 'v1.0',
      },
      cursor: { secrets: [SECRET, OLD_SECRET], generated: false },
      store: { url: 'redis://cache:6379' },
      poll: { intervalMs: 500 },
      log: { level: 'debug' },
    });
  });

  it.each([
    ['global', 'https://graph.microsoft.com', 'https://login.microsoftonline.com'],
    ['usgov', 'https://graph.microsoft.us', 'https://login.microsoftonline.us'],
    ['usgovdod', 'https://dod-graph.microsoft.us', 'https://login.microsoftonline.us'],
    ['china', 'https://microsoftgraph.chinacloudapi.cn', 'https://login.chinacloudapi.cn'],
  ])('GRAPH_CLOUD=%s picks the Graph and login hosts', (cloud, graph, login) => {
    const config = loadConfig({ GRAPH_CLOUD: cloud, AUTH_MODE: 'passthrough', CURSOR_SECRET: SECRET });
    expect(config.graph).toMatchObject({ cloud, baseUrl: graph, loginAuthority: login, scope: `${graph}/.default` });
    expect(config.demo).toBe(false);
  });

  it('infers the cloud from a national GRAPH_BASE_URL and keeps the cloud scope behind a proxy', () => {
    expect(loadConfig({ GRAPH_BASE_URL: 'https://dod-graph.microsoft.us', CURSOR_SECRET: SECRET }).graph).toMatchObject({
      cloud: 'usgovdod',
      loginAuthority: 'https://login.microsoftonline.us',
      scope: 'https://dod-graph.microsoft.us/.default',
    });
    const proxied = loadConfig({ GRAPH_BASE_URL: 'http://127.0.0.1:4010/graph/', GRAPH_CLOUD: 'china', CURSOR_SECRET: SECRET });
    expect(proxied.graph).toMatchObject({
      baseUrl: 'http://127.0.0.1:4010/graph',
      origin: 'http://127.0.0.1:4010',
      scope: 'https://microsoftgraph.chinacloudapi.cn/.default',
      loginAuthority: 'https://login.chinacloudapi.cn',
    });
    expect(proxied.authMode).toBe('passthrough');
  });

  it.each(['http://localhost:3000', 'http://127.0.0.1:1', 'http://[::1]:8080'])('allows http for loopback GRAPH_BASE_URL %s', (url) => {
    expect(loadConfig({ GRAPH_BASE_URL: url, CURSOR_SECRET: SECRET }).graph.baseUrl).toBe(url);
  });

  it('returns a deeply frozen object', () => {
    const config = loadConfig({ GRAPH_BASE_URL: 'https://graph.microsoft.com', CURSOR_SECRET: SECRET });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.graph)).toBe(true);
    expect(Object.isFrozen(config.cursor.secrets)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('fails when GRAPH_BASE_URL is set but CURSOR_SECRET is missing', () => {
    const error = configError({ GRAPH_BASE_URL: 'https://graph.microsoft.com' });
    expect(error.issues.map((issue) => issue.variable)).toEqual(['CURSOR_SECRET']);
    expect(error.message).toMatch(/GRAPH_BASE_URL is set but CURSOR_SECRET is missing/);
    expect(configError({ AUTH_MODE: 'app' }).message).toMatch(/AUTH_MODE is app but CURSOR_SECRET is missing/);
  });

  it('names every bad variable at once, one per line, without quoting secrets', () => {
    const error = configError({
      PORT: '70000',
      HOST: 'a b',
      GRAPH_CLOUD: 'mars',
      GRAPH_BASE_URL: 'ftp://graph.example',
      AUTH_MODE: 'magic',
      CURSOR_SECRET: `${SECRET},short-secret-value`,
      STORE_URL: 'postgres://user:hunter2@db/x',
      POLL_INTERVAL_MS: '0',
      GRAPH_IMMUTABLE_IDS: 'yes',
      GRAPH_RETRY_BUDGET_MS: '-1',
      GRAPH_CALENDARS_VERSION: 'v2',
      LOG_LEVEL: 'loud',
      AUTH_AUTHORITY: 'https://login.microsoftonline.com/contoso',
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ConfigError');
    expect([...new Set(error.issues.map((issue) => issue.variable))].sort()).toEqual(
      [
        'PORT',
        'HOST',
        'GRAPH_CLOUD',
        'GRAPH_BASE_URL',
        'AUTH_MODE',
        'CURSOR_SECRET',
        'STORE_URL',
        'POLL_INTERVAL_MS',
        'GRAPH_IMMUTABLE_IDS',
        'GRAPH_RETRY_BUDGET_MS',
        'GRAPH_CALENDARS_VERSION',
        'LOG_LEVEL',
        'AUTH_AUTHORITY',
      ].sort(),
    );
    const lines = error.message.split('\n');
    expect(lines[0]).toMatch(/^Invalid configuration \(\d+ problems\):$/);
    expect(lines.slice(1).every((line) => /^ {2}- [A-Z_]+: /.test(line))).toBe(true);
    expect(error.message).toContain('PORT: expected a port number from 0 to 65535 (got "70000")');
    expect(error.message).toContain('secret #2 has 18 characters; each needs at least 32');
    expect(error.message).not.toContain('short-secret-value');
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain('hunter2');
  });

  it.each([
    ['GRAPH_BASE_URL', 'http://graph.microsoft.com', /https/],
    ['GRAPH_BASE_URL', 'https://graph.microsoft.com/v1.0', /version/],
    ['GRAPH_BASE_URL', 'https://graph.microsoft.com/beta/', /version/],
    ['GRAPH_BASE_URL', 'https://graph.microsoft.com?x=1', /query/],
    ['GRAPH_BASE_URL', 'https://u:p@graph.microsoft.com', /credentials/],
    ['GRAPH_BASE_URL', 'graph.microsoft.com', /absolute URL/],
    ['AUTH_AUTHORITY', 'http://login.microsoftonline.com', /https/],
    ['GRAPH_IMMUTABLE_IDS', 'yes', /true, false, 1 or 0/],
    ['PORT', '4000.5', /port/],
    ['POLL_INTERVAL_MS', '0', /positive/],
    ['POLL_LOCK_TTL_MS', '50', /at least 100/],
    ['POLL_CRASH_AT', 'after-lunch', /before-read, after-read, before-publish, after-publish, after-checkpoint/],
    ['POLL_CRASH_AT', 'after-read:0', /<step>\[:<n>\]/],
    ['STORE_URL', 'redis://', /redis:\/\/host:port/],
    ['STORE_URL', 'sqlite://', /sqlite/],
  ])('%s=%s is rejected', (variable, value, message) => {
    const error = configError({ CURSOR_SECRET: SECRET, AUTH_MODE: 'passthrough', [variable]: value });
    expect(error.issues.filter((issue) => issue.variable === variable).map((issue) => issue.message).join('\n')).toMatch(message);
  });

  it.each([
    ['GRAPH_IMMUTABLE_IDS', '1', { graph: { immutableIds: true } }],
    ['GRAPH_IMMUTABLE_IDS', 'FALSE', { graph: { immutableIds: false } }],
    ['GRAPH_IMMUTABLE_IDS', '0', { graph: { immutableIds: false } }],
    ['STORE_URL', 'sqlite://./data/store.db', { store: { url: 'sqlite://./data/store.db' } }],
    ['STORE_URL', 'rediss://:pw@cache.example:6380/2', { store: { url: 'rediss://:pw@cache.example:6380/2' } }],
    ['PORT', '0', { port: 0 }],
    ['LOG_LEVEL', 'silent', { log: { level: 'silent' } }],
  ])('%s=%s is accepted', (variable, value, expected) => {
    expect(loadConfig({ [variable]: value })).toMatchObject(expected);
  });

  it('refuses AUTH_MODE=demo together with GRAPH_BASE_URL, and a GRAPH_CLOUD contradicting it', () => {
    expect(configError({ AUTH_MODE: 'demo', GRAPH_BASE_URL: 'https://graph.microsoft.com', CURSOR_SECRET: SECRET }).issues).toEqual([
      expect.objectContaining({ variable: 'AUTH_MODE' }),
    ]);
    expect(configError({ GRAPH_CLOUD: 'global', GRAPH_BASE_URL: 'https://graph.microsoft.us', CURSOR_SECRET: SECRET }).message).toMatch(
      /GRAPH_CLOUD: is global but GRAPH_BASE_URL is the usgov cloud's Graph host/,
    );
  });

  it('reads METRICS_PORT and OpenTelemetry\'s variables (traces only with an endpoint)', () => {
    expect(loadConfig({})).toMatchObject({ metrics: { port: undefined }, traces: { enabled: false, protocol: 'http/protobuf', serviceName: 'delta-gateway' } });
    expect(
      loadConfig({ METRICS_PORT: '9464', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_SERVICE_NAME: 'gw-eu' }),
    ).toMatchObject({ metrics: { port: 9464 }, traces: { enabled: true, protocol: 'http/json', serviceName: 'gw-eu' } });
    expect(loadConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://c/v1/traces', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' }).traces).toMatchObject({
      enabled: true,
      protocol: 'http/json',
    });
    const error = configError({ METRICS_PORT: 'abc', OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url', OTEL_EXPORTER_OTLP_PROTOCOL: 'carrier-pigeon' });
    expect(error.issues.map((issue) => issue.variable).sort()).toEqual(['METRICS_PORT', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_PROTOCOL']);
  });

  it('reads process.env by default', () => {
    expect(loadConfig().port).toBeTypeOf('number');
  });
});

describe('withGraphBaseUrl and describeConfig', () => {
  it('swaps the Graph root (demo: the emulator) and stays frozen', () => {
    const config = withGraphBaseUrl(loadConfig({}), 'http://127.0.0.1:43121/');
    expect(config.graph).toMatchObject({ baseUrl: 'http://127.0.0.1:43121', origin: 'http://127.0.0.1:43121', scope: 'https://graph.microsoft.com/.default' });
    expect(Object.isFrozen(config.graph)).toBe(true);
    expect(() => withGraphBaseUrl(config, 'http://evil.example')).toThrow(/https/);
  });

  it('describes the config without secrets', () => {
    const text = JSON.stringify(describeConfig(loadConfig({ CURSOR_SECRET: SECRET, STORE_URL: 'redis://user:hunter2@cache:6379' })));
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('hunter2');
    expect(text).toContain('"secrets":1');
  });
});

describe('loadDotEnv', () => {
  it('reads a .env file into process.env without overriding set variables, and skips a missing file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dotenv-'));
    const file = join(dir, '.env');
    writeFileSync(file, 'DELTA_GATEWAY_TEST_A=from-file\nDELTA_GATEWAY_TEST_B=from-file\n');
    process.env.DELTA_GATEWAY_TEST_A = 'from-env';
    try {
      expect(loadDotEnv(file)).toBe(true);
      expect(process.env.DELTA_GATEWAY_TEST_A).toBe('from-env');
      expect(process.env.DELTA_GATEWAY_TEST_B).toBe('from-file');
      expect(loadDotEnv(join(dir, 'missing.env'))).toBe(false);
    } finally {
      delete process.env.DELTA_GATEWAY_TEST_A;
      delete process.env.DELTA_GATEWAY_TEST_B;
    }
  });
});

describe('DEMO_PAGE', () => {
  it('is on in demo mode, off otherwise, and DEMO_PAGE decides when given', () => {
    expect(loadConfig({}).demoPage).toBe(true);
    expect(loadConfig({ DEMO_PAGE: 'false' }).demoPage).toBe(false);
    expect(loadConfig({ GRAPH_BASE_URL: 'https://graph.microsoft.com', CURSOR_SECRET: SECRET }).demoPage).toBe(false);
    expect(loadConfig({ GRAPH_BASE_URL: 'https://graph.microsoft.com', CURSOR_SECRET: SECRET, DEMO_PAGE: 'true' }).demoPage).toBe(true);
    expect(configError({ DEMO_PAGE: 'yes' }).issues).toEqual([{ variable: 'DEMO_PAGE', message: 'expected true, false, 1 or 0 (got "yes")' }]);
  });
});
