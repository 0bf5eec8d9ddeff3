import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { createLogger } from '../../src/log.js';
import { startGatewayServer, type GatewayServer } from '../../src/server/gateway-server.js';
import { TEST_CURSOR_SECRET } from '../helpers/gateway.js';
import { freePort, redisSkipReason, startTestRedis, type TestRedis } from '../helpers/redis.js';
import { until } from '../helpers/subscription-harness.js';

const skip = redisSkipReason('readiness tests with Redis');

/** A gateway in this process whose log lines are kept (as parsed JSON). */
async function start(emulator: RunningEmulator, env: Record<string, string>): Promise<{ gateway: GatewayServer; lines: Record<string, unknown>[] }> {
  const lines: Record<string, unknown>[] = [];
  const config = loadConfig({ PORT: '0', GRAPH_BASE_URL: emulator.url, CURSOR_SECRET: TEST_CURSOR_SECRET, GRAPH_RETRY_BUDGET_MS: '2000', LOG_LEVEL: 'warn', ...env });
  const logger = createLogger(config.log.level, { destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
  return { gateway: await startGatewayServer({ config, logger }), lines };
}

async function probe(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url);
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

describe('GET /ready (readiness) apart from GET /health (liveness)', () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await startEmulator({ seed: { preset: 'demo', messages: 20 } });
  });
  afterAll(async () => {
    await emulator?.close();
  });

  it('with an in-process store: both answer 200', async () => {
    const { gateway } = await start(emulator, {});
    try {
      expect((await probe(`${gateway.url}/health`)).status).toBe(200);
      expect(await probe(`${gateway.url}/ready`)).toEqual({ status: 200, body: { ready: true } });
    } finally {
      await gateway.close();
    }
  });

  describe.skipIf(skip !== undefined)('with Redis', () => {
    it('Redis not there: /health 200, /ready 503 with the reasons; once Redis is up, /ready 200 by itself', async () => {
      const port = await freePort();
      const { gateway } = await start(emulator, { STORE_URL: `redis://127.0.0.1:${port}`, LOG_LEVEL: 'silent' });
      let redis: TestRedis | undefined;
      try {
        expect((await probe(`${gateway.url}/health`)).status).toBe(200);
        const down = await probe(`${gateway.url}/ready`);
        expect(down.status).toBe(503);
        expect(down.body).toMatchObject({ ready: false });
        const reasons = (down.body as { reasons: string[] }).reasons;
        expect(reasons).toContain('store (Redis) not connected');
        expect(reasons.some((reason) => reason.startsWith('poll coordinator'))).toBe(true);
        expect(JSON.stringify(down.body)).not.toContain(String(port));

        // The probe itself makes the store try again (no traffic reaches an instance out of rotation).
        redis = await startTestRedis(port);
        await until(async () => (await probe(`${gateway.url}/ready`)).status === 200, '/ready 200 once Redis is up', 20_000);
        expect(await probe(`${gateway.url}/ready`)).toEqual({ status: 200, body: { ready: true } });
      } finally {
        await gateway.close();
        await redis?.close();
      }
    });

    it('commands sent at start-up, before the store connected, wait for it: no store error is logged', async () => {
      const redis = await startTestRedis();
      const { gateway, lines } = await start(emulator, { STORE_URL: redis.url });
      try {
        const token = await emulator.admin.token();
        // At once, before the Redis client is connected: a first page stores the rest of Graph's page.
        const answers = await Promise.all(
          [1, 2, 3].map(() =>
            fetch(`${gateway.url}/graphql`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
              body: JSON.stringify({ query: '{ messagesDelta(folderId: "inbox", first: 2) { edges { node { id } } pageInfo { endCursor } } }' }),
            }).then((r) => r.json() as Promise<{ data?: unknown; errors?: unknown[] }>),
          ),
        );
        for (const answer of answers) expect(answer.errors).toBeUndefined();
        expect(lines.filter((line) => String(line['msg']).startsWith('store error'))).toEqual([]);
        expect((await probe(`${gateway.url}/ready`)).status).toBe(200);
      } finally {
        await gateway.close();
        await redis.close();
      }
    });
  });
});
