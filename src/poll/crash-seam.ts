import type { PollCrashPoint, PollCycleStep } from '../config/index.js';

/**
 * The test seam of `POLL_CRASH_AT`: a step hook that SIGKILLs this process (no cleanup, no lease
 * release, as an OOM kill or a lost host would) at `step` of the n-th poll cycle that finds changes;
 * `before-read` fires at the start of the first cycle after it. Counts this process's cycles, any key.
 */
export function crashAt(point: PollCrashPoint, kill: () => void = () => process.kill(process.pid, 'SIGKILL')): (step: PollCycleStep) => void {
  let cyclesWithChanges = 0;
  return (step) => {
    if (step === 'after-read') cyclesWithChanges += 1;
    const due = point.step === 'before-read' ? step === 'before-read' && cyclesWithChanges >= point.cycle : step === point.step && cyclesWithChanges === point.cycle;
    if (due) kill();
  };
}
