import type { RunningEmulator } from '../../src/emulator/index.js';
import { IMMUTABLE } from './subscription-harness.js';

/** A small seeded PRNG (mulberry32): the same seed replays the same churn and the same kill moments. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Mutates a mail folder through the emulator's admin API: creates, updates (subject, read flag) and deletes. */
export interface MailboxChurn {
  /** One random change. */
  step(): Promise<void>;
  create(): Promise<string>;
  update(id?: string): Promise<void>;
  remove(id?: string): Promise<void>;
  /** What it did to an id, with times (for failure messages). */
  history(id: string): string[];
  /** Ids in the folder as far as the churn knows (what it created, plus the initial ones). */
  readonly ids: readonly string[];
}

export function mailboxChurn(emulator: RunningEmulator, initialIds: Iterable<string>, random: () => number, folder = 'inbox'): MailboxChurn {
  const ids = [...initialIds];
  let counter = 0;
  const pick = () => ids[Math.floor(random() * ids.length)];
  const log: { id: string; at: number; what: string }[] = [];
  const note = (id: string, what: string) => log.push({ id, at: Date.now(), what });
  const churn: MailboxChurn = {
    ids,
    history: (id) => log.filter((entry) => entry.id === id).map((e) => `@${e.at % 100_000} ${e.what}`),
    async create() {
      counter += 1;
      const created = await emulator.admin.createMessage(folder, { subject: `churn ${counter}`, isRead: random() < 0.5 }, { prefer: [IMMUTABLE] });
      ids.push(created.id);
      note(created.id, `created ${created.subject}`);
      return created.id;
    },
    async update(id = pick()) {
      if (id === undefined) return;
      counter += 1;
      const patch = random() < 0.5 ? { subject: `updated ${counter}` } : { isRead: random() < 0.5 };
      note(id, `update ${JSON.stringify(patch)}`);
      await emulator.admin.updateMessage(id, patch, { prefer: [IMMUTABLE] });
    },
    async remove(id = pick()) {
      if (id === undefined) return;
      ids.splice(ids.indexOf(id), 1);
      note(id, 'delete');
      await emulator.admin.deleteMessage(id, { prefer: [IMMUTABLE] });
    },
    async step() {
      const roll = random();
      if (roll < 0.4 || ids.length < 5) await churn.create();
      else if (roll < 0.8) await churn.update();
      else await churn.remove();
    },
  };
  return churn;
}
