import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLL_CYCLE_STEPS, type PollCycleStep } from '../../src/config/index.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.js';
import { mailboxChurn, seededRandom } from '../helpers/mailbox-churn.js';
import { FAST_TAKEOVER, leases } from '../helpers/poll-leases.js';
import { redisSkipReason, startTestRedis, type TestRedis } from '../helpers/redis.js';
import { divergence, folderTruth, startReplica, type Replica, type Transport } from '../helpers/replica.js';
import { until } from '../helpers/subscription-harness.js';

const skip = redisSkipReason('the chaos test');
if (skip) console.warn(skip);

// CHAOS_SEED replays a run; CHAOS_MS keeps killing (at random moments and at each step, in turn) until that much time has passed.
// To see inside a failing run: CHAOS_LOG_LEVEL=debug, GATEWAY_LOG_LINES=100000 (lines kept per instance), CHAOS_DUMP=file (every instance's log, written on divergence).
const SEED = Number(process.env.CHAOS_SEED ?? 20_261_207);
const CHAOS_MS = Number(process.env.CHAOS_MS ?? 0);

/** How the polling instance dies: SIGKILLed by the test at a random moment, or by itself at a step of its poll cycle. */
type Death = { kind: 'random'; afterMs: number } | { kind: 'step'; step: PollCycleStep; cycle: number };

describe.skipIf(skip !== undefined)('chaos: the polling instance is SIGKILLed again and again while the mailbox changes', () => {
  let redis: TestRedis;
  let raw: Redis;
  let emulator: RunningEmulator;

  beforeAll(async () => {
    redis = await startTestRedis();
    raw = new Redis(redis.url);
    emulator = await startEmulator({ seed: { preset: 'demo', messages: 40 } });
  });
  afterAll(async () => {
    raw?.disconnect();
    await emulator?.close();
    await redis?.close();
  });

  it(`every subscriber's replica ends equal to the mailbox (seed ${SEED})`, async () => {
    const random = seededRandom(SEED);
    // Every step once and three random moments, in a seeded order; then (CHAOS_MS) more of both.
    const fixed: Death[] = [
      ...POLL_CYCLE_STEPS.map((step): Death => ({ kind: 'step', step, cycle: 1 + Math.floor(random() * 2) })),
      ...[0, 1, 2].map((): Death => ({ kind: 'random', afterMs: 300 + Math.floor(random() * 2500) })),
    ].sort(() => random() - 0.5);
    const deathAt = (i: number): Death =>
      fixed[i] ??
      (random() < 0.5
        ? { kind: 'random', afterMs: 300 + Math.floor(random() * 2500) }
        : { kind: 'step', step: POLL_CYCLE_STEPS[Math.floor(random() * POLL_CYCLE_STEPS.length)]!, cycle: 1 + Math.floor(random() * 2) });
    const deaths: Death[] = [];
    const envFor = (i: number): Record<string, string> => {
      const death = (deaths[i] ??= deathAt(i));
      return { ...FAST_TAKEOVER, STORE_URL: redis.url, LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? 'info', ...(death.kind === 'step' ? { POLL_CRASH_AT: `${death.step}:${death.cycle}` } : {}) };
    };

    const lockHolder = async () => {
      const [key] = await raw.keys('delta-gateway:poll-lock:*');
      return key === undefined ? null : raw.get(key);
    };
    const token = await emulator.admin.token();
    const all: GatewayProcess[] = [];
    const replicas: Replica[] = [];
    const spawnFor = (i: number) => {
      const started = startGatewayProcess(emulator.url, envFor(i));
      void started.then((p) => all.push(p), () => undefined);
      return started;
    };
    // Instance i polls until death i; the next two are already starting (a start is the slow part).
    let [holder, follower] = await Promise.all([spawnFor(0), spawnFor(1)]);
    let spare = spawnFor(2);
    const active = () => [holder, follower].filter((p) => p.alive);
    const pickRandom = seededRandom(SEED + 1);
    const replicaOn = (home: GatewayProcess, transport: Transport, name: string) => {
      let at = home;
      const replica = startReplica({
        name,
        transport,
        token,
        pick: () => {
          if (!at.alive) {
            const live = active();
            if (live.length === 0) return undefined;
            at = live[Math.floor(pickRandom() * live.length)]!;
          }
          return at.url;
        },
      });
      replicas.push(replica);
      return replica;
    };

    let churning = true;
    let churn: ReturnType<typeof mailboxChurn> | undefined;
    let churnRun: Promise<void> = Promise.resolve();
    try {
      const first = replicaOn(holder, 'sse', 'r0 sse');
      await until(async () => [...(await leases(raw)).values()].some((l) => l.holder !== null) && first.connected, 'the first instance polling', 60_000);
      replicaOn(follower, 'ws', 'r1 ws');
      replicaOn(holder, 'ws', 'r2 ws');
      replicaOn(follower, 'sse', 'r3 sse');
      await until(async () => [...(await leases(raw)).values()].some((l) => l.listeners === 2) && replicas.every((r) => r.connected), 'both instances subscribed', 60_000);

      churn = mailboxChurn(emulator, (await folderTruth(emulator, token)).keys(), seededRandom(SEED + 2));
      const steps = churn;
      const churnRandom = seededRandom(SEED + 3);
      churnRun = (async () => {
        while (churning) {
          await steps.step();
          await new Promise((done) => setTimeout(done, 40 + Math.floor(churnRandom() * 120)));
        }
      })();

      const started = Date.now();
      const kinds: string[] = [];
      for (let i = 0; i < fixed.length || Date.now() - started < CHAOS_MS; i += 1) {
        const death = (deaths[i] ??= deathAt(i));
        // The lease outlives a dead holder by POLL_LOCK_TTL_MS: its token, read at the death, tells a takeover apart.
        let dead: string | null;
        if (death.kind === 'random') {
          await new Promise((done) => setTimeout(done, death.afterMs));
          dead = await lockHolder();
          await holder.kill();
          kinds.push('random');
        } else {
          const how = await Promise.race([holder.exited, new Promise<'alive'>((done) => setTimeout(() => done('alive'), 20_000))]);
          dead = await lockHolder();
          if (how === 'alive') await holder.kill();
          kinds.push(how === 'alive' ? `${death.step} (did not fire)` : death.step);
        }
        // The follower takes the lease over; the next instance joins as the new follower with a subscriber of its own.
        await until(async () => {
          // A follower that died by its own seam took the lease over first (and is the next death).
          const now = await lockHolder();
          return (now !== null && now !== dead) || !follower.alive;
        }, `takeover after death ${i}`, 30_000).catch(async (error: unknown) => {
          const state = { deaths: kinds, leases: [...(await leases(raw)).values()], holderAlive: holder.alive, followerAlive: follower.alive, replicas: replicas.map((r) => [r.name, r.connected, r.batches, r.reconnects]) };
          throw new Error(`${String(error)}\n${JSON.stringify(state)}\nfollower:\n${follower.output().slice(-3000)}`);
        });
        holder = follower;
        follower = await spare;
        spare = spawnFor(i + 3);
        replicaOn(follower, i % 2 === 0 ? 'sse' : 'ws', `r${replicas.length} (joined after death ${i})`);
      }

      churning = false;
      await churnRun;
      const truth = await folderTruth(emulator, token);
      await until(() => replicas.every((r) => divergence(r.items, truth).length === 0), 'every replica equal to the mailbox', 30_000).catch(() => undefined);
      for (const replica of replicas) {
        expect(replica.errors, replica.name).toEqual([]);
        const diff = divergence(replica.items, truth);
        const why = diff.map((d) => `${d}: ${replica.history(d.split(' ')[1]!).join(', ')}; ${churn!.history(d.split(' ')[1]!).join(', ')}`).join('\n');
        if (diff.length > 0 && process.env.CHAOS_DUMP) {
          const { writeFileSync } = await import('node:fs');
          writeFileSync(process.env.CHAOS_DUMP, all.map((p, i) => `=== instance ${i} ${p.url} alive=${p.alive}\n${p.output()}`).join('\n'));
        }
        const state = diff.length === 0 ? '' : `\ndeaths: ${kinds.join(', ')}\nreplicas: ${JSON.stringify(replicas.map((r) => [r.name, r.connected, r.batches, r.reconnects]))}\n${active().map((p) => `instance ${p.url}:\n${p.output().slice(-4000)}`).join('\n')}`;
        expect(diff, `${replica.name}\n${why}${state}`).toEqual([]);
      }
      // Every step of the cycle was hit by a crash, and random moments too.
      for (const step of POLL_CYCLE_STEPS) expect(kinds, kinds.join(', ')).toContain(step);
      expect(kinds.filter((kind) => kind === 'random').length).toBeGreaterThanOrEqual(3);
      expect(replicas.some((r) => r.reconnects > 0)).toBe(true);
    } finally {
      churning = false;
      await churnRun.catch(() => undefined);
      await Promise.all(replicas.map((r) => r.close()));
      await spare.then((p) => p.kill(), () => undefined);
      await Promise.all(all.map((p) => p.kill()));
    }
  }, 600_000);
});
