import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLL_CYCLE_STEPS, type PollCycleStep } from '../../src/config/index.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { startGatewayProcesses, type GatewayProcess } from '../helpers/gateway-process.js';
import { mailboxChurn, seededRandom } from '../helpers/mailbox-churn.js';
import { redisSkipReason, startTestRedis, type TestRedis } from '../helpers/redis.js';
import { divergence, folderTruth, startReplica, type Replica } from '../helpers/replica.js';
import { FAST_TAKEOVER, leases } from '../helpers/poll-leases.js';
import { until } from '../helpers/subscription-harness.js';

const skip = redisSkipReason('crash-point tests');
if (skip) console.warn(skip);

// One mail folder per step: each its own poll key, polled by its own doomed instance.
const FOLDERS: Record<PollCycleStep, string> = {
  'before-read': 'inbox',
  'after-read': 'sentitems',
  'before-publish': 'drafts',
  'after-publish': 'deleteditems',
  'after-checkpoint': 'archive',
};
// before-read fires at the start of the cycle after the first batch; the others inside the second cycle that finds changes.
const crashPoint = (step: PollCycleStep) => (step === 'before-read' ? `${step}:1` : `${step}:2`);

describe.skipIf(skip !== undefined)('the polling instance dies at each step of its poll cycle (child processes, real Redis)', () => {
  let redis: TestRedis;
  let raw: Redis;
  let emulator: RunningEmulator;
  let token: string;
  /** Never crashes: it follows every key, then takes each over. */
  let survivor: GatewayProcess;
  const doomed = new Map<PollCycleStep, GatewayProcess>();

  beforeAll(async () => {
    redis = await startTestRedis();
    raw = new Redis(redis.url);
    emulator = await startEmulator({ seed: { preset: 'demo', messages: 60 } });
    token = await emulator.admin.token();
    // Started together: starting a gateway process is the slow part of this file.
    const env = { ...FAST_TAKEOVER, STORE_URL: redis.url };
    const started = await startGatewayProcesses(emulator.url, [{ ...env, LOG_LEVEL: process.env.CRASH_TRACE ? 'debug' : 'info' }, ...POLL_CYCLE_STEPS.map((step) => ({ ...env, POLL_CRASH_AT: crashPoint(step) }))]);
    survivor = started[0]!;
    POLL_CYCLE_STEPS.forEach((step, index) => doomed.set(step, started[index + 1]!));
  }, 300_000);
  afterAll(async () => {
    await Promise.all([survivor, ...doomed.values()].map((p) => p?.kill()));
    raw?.disconnect();
    await emulator?.close();
    await redis?.close();
  });

  it.each(POLL_CYCLE_STEPS.map((step) => [step]))(
    '%s: subscribers on the surviving instance end equal to the mailbox; nothing is lost',
    async (step) => {
      const folder = FOLDERS[step];
      const victim = doomed.get(step)!;
      const replicas: Replica[] = [];
      try {
        const before = new Set((await leases(raw)).keys());
        const channelOf = async () => [...(await leases(raw)).entries()].find(([channel]) => !before.has(channel));
        // The doomed instance polls the folder (its subscriber came first); the survivor follows it with an SSE and a WebSocket subscriber.
        const onVictim = startReplica({ name: 'on the doomed instance, then on the survivor', transport: 'sse', token, folder, pick: () => (victim.alive ? victim.url : survivor.url) });
        replicas.push(onVictim);
        await until(async () => (await channelOf())?.[1].holder != null && onVictim.connected, 'the doomed instance polling', 30_000);
        const [channel, { holder }] = (await channelOf())!;
        replicas.push(startReplica({ name: 'survivor, SSE', transport: 'sse', token, folder, pick: () => survivor.url }));
        replicas.push(startReplica({ name: 'survivor, WebSocket', transport: 'ws', token, folder, pick: () => survivor.url }));
        await until(async () => (await leases(raw)).get(channel)?.listeners === 2 && replicas.every((r) => r.connected), 'the survivor following', 30_000);

        const churn = mailboxChurn(emulator, (await folderTruth(emulator, token, folder)).keys(), seededRandom(POLL_CYCLE_STEPS.indexOf(step) + 1), folder);
        // A first batch, then a second (a create, an update, a delete): the doomed instance dies at `step` of it.
        await churn.create();
        await until(() => onVictim.batches >= 1, 'the first batch on the polling instance');
        await churn.create();
        await churn.update();
        await churn.remove();
        const death = await Promise.race([victim.exited, new Promise<'alive'>((done) => setTimeout(() => done('alive'), 20_000))]);
        expect(death, victim.output()).toEqual({ code: null, signal: 'SIGKILL' });

        // The survivor takes the lease over once the dead one's expires; more changes follow.
        await until(async () => {
          const now = (await leases(raw)).get(channel)?.holder;
          return now != null && now !== holder;
        }, 'the survivor took over');
        for (let i = 0; i < 4; i += 1) await churn.step();

        const truth = await folderTruth(emulator, token, folder);
        await until(() => replicas.every((r) => divergence(r.items, truth).length === 0), 'every replica equal to the folder', 30_000).catch(() => undefined);
        for (const replica of replicas) {
          expect(replica.errors, replica.name).toEqual([]);
          const diff = divergence(replica.items, truth);
          const why = diff.map((d) => `${d}: ${replica.history(d.split(' ')[1]!).join(', ')}; ${churn.history(d.split(' ')[1]!).join(', ')}`).join('\n');
          if (diff.length && process.env.CRASH_TRACE) console.log(replicas.map((r) => `${r.name}: ${divergence(r.items, truth).join(',')} batches ${r.batches}`).join('\n'), survivor.output());
          expect(diff, `${replica.name}\n${why}`).toEqual([]);
        }
        expect(onVictim.reconnects).toBeGreaterThanOrEqual(1);
      } finally {
        await Promise.all(replicas.map((r) => r.close()));
      }
    },
    90_000,
  );
});
