import cliProgress from 'cli-progress';

export interface ScopeState {
  phase: string;
  round: number;
  pages: number;
  items: number;
  /** Items written by the step just done (for items/s). */
  added?: number;
}

/** What the mirror tells its user, per scope (folder). */
export interface Progress {
  update(scope: string, state: ScopeState): void;
  /** A one-off event: throttling, a resync, a reconnect. */
  note(scope: string, message: string): void;
  stop(): void;
}

interface Tally {
  written: number;
  since: number;
}

const rate = (tally: Tally) => {
  const seconds = (Date.now() - tally.since) / 1000;
  return seconds > 0 ? Math.round(tally.written / seconds) : 0;
};

/** cli-progress lines on a terminal (one per folder, redrawn), plain log lines otherwise. */
export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  const tallies = new Map<string, Tally>();
  const tally = (scope: string, added = 0) => {
    let t = tallies.get(scope);
    if (!t) tallies.set(scope, (t = { written: 0, since: Date.now() }));
    t.written += added;
    return t;
  };

  if (!stream.isTTY) {
    return {
      update(scope, state) {
        const t = tally(scope, state.added);
        stream.write(`${scope}: ${state.phase}, round ${state.round}, ${state.pages} pages, ${state.items} items, ${rate(t)} items/s\n`);
      },
      note: (scope, message) => void stream.write(`${scope}: ${message}\n`),
      stop() {},
    };
  }

  const bars = new cliProgress.MultiBar(
    { stream, format: '{scope} | {phase} | round {round} | {pages} pages | {items} items | {rate} items/s', hideCursor: true, clearOnComplete: false, fps: 5, noTTYOutput: false },
    cliProgress.Presets.legacy,
  );
  const lines = new Map<string, cliProgress.SingleBar>();
  const width = { scope: 12, phase: 14 };
  return {
    update(scope, state) {
      const t = tally(scope, state.added);
      const payload = { scope: scope.padEnd(width.scope), phase: state.phase.padEnd(width.phase), round: state.round, pages: state.pages, items: state.items, rate: rate(t) };
      const line = lines.get(scope);
      if (line) line.update(state.items, payload);
      else lines.set(scope, bars.create(0, state.items, payload));
    },
    note: (scope, message) => bars.log(`${scope}: ${message}\n`),
    stop: () => bars.stop(),
  };
}
