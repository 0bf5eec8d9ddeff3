import type { Keyv } from 'keyv';

/**
 * Where the shared poller of a key stands: the round-end cursor of its last batch that is known to
 * be published (or of its silent start). A takeover resumes from `cursor`.
 */
export interface Checkpoint {
  /** Sealed round-end cursor (the store never sees a Graph link in clear). */
  cursor: string;
  /** Fingerprint of the position inside `cursor` (see `anchorOf`). */
  anchor: string;
  /**
   * Set while a batch read from `cursor` is being published: that batch's end. Listeners stand at
   * `cursor` or, once they received it, here; a crash leaves it set, and the next holder resumes
   * from here if it received the batch, else from `cursor` (re-reading the batch).
   */
  publishing?: { cursor: string; anchor: string };
  savedAt: number;
}

export interface CheckpointStore {
  get(id: string): Promise<Checkpoint | undefined>;
  set(id: string, checkpoint: Checkpoint): Promise<void>;
  delete(id: string): Promise<void>;
}

/** A week: about as long as Outlook keeps a delta token's state. */
export const DEFAULT_CHECKPOINT_TTL_MS = 7 * 24 * 60 * 60 * 1000;
const PREFIX = 'poll-checkpoint:';

function isPosition(value: unknown): value is { cursor: string; anchor: string } {
  return typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>)['cursor'] === 'string' && typeof (value as Record<string, unknown>)['anchor'] === 'string';
}

function isCheckpoint(value: unknown): value is Checkpoint {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v['cursor'] === 'string' &&
    typeof v['anchor'] === 'string' &&
    (v['publishing'] === undefined || isPosition(v['publishing'])) &&
    typeof v['savedAt'] === 'number'
  );
}

export function createCheckpointStore(store: Keyv, ttlMs = DEFAULT_CHECKPOINT_TTL_MS): CheckpointStore {
  return {
    async get(id) {
      const value: unknown = await store.get(PREFIX + id);
      return isCheckpoint(value) ? value : undefined;
    },
    async set(id, checkpoint) {
      await store.set(PREFIX + id, checkpoint, ttlMs);
    },
    async delete(id) {
      await store.delete(PREFIX + id);
    },
  };
}
