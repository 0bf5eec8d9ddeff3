import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { metrics, pollLagSources, type PollResourceLabel } from './metrics.js';
import { newScope, outsideScope, runInScope } from './request-scope.js';
import { tracer } from './tracer.js';

export interface PollerTelemetry {
  /** One poll cycle (a `lead` or `poll` step): a trace of its own, with the Graph requests it makes as children. */
  cycle<T>(step: string, fn: () => Promise<T>): Promise<T>;
  /** The poller stopped: it leaves the `pollers` gauge and the poll lag. */
  stopped(): void;
}

/**
 * A poller's gauges and traces: it counts in `pollers{resource}` from now until `stopped()`, and its
 * time since the last successful cycle is part of `poll_lag_seconds{resource}`.
 */
export function pollerTelemetry(resource: PollResourceLabel): PollerTelemetry {
  const lag = { resource, lastOk: performance.now() };
  pollLagSources.add(lag);
  metrics.pollers.inc({ resource });
  let stopped = false;
  return {
    cycle(step, fn) {
      // A fresh root context and scope: the cycle is not part of whichever request started the poller.
      return context.with(ROOT_CONTEXT, () =>
        runInScope(newScope(), () =>
          tracer.startActiveSpan(`poll ${resource}`, { kind: SpanKind.INTERNAL, root: true, attributes: { 'graph.resource': resource, 'poll.step': step } }, async (span) => {
            try {
              const result = await fn();
              lag.lastOk = performance.now();
              return result;
            } catch (error) {
              span.setStatus({ code: SpanStatusCode.ERROR });
              throw error;
            } finally {
              span.end();
            }
          }),
        ),
      );
    },
    stopped() {
      if (stopped) return;
      stopped = true;
      pollLagSources.delete(lag);
      metrics.pollers.dec({ resource });
    },
  };
}

/** A subscription of `resource` opened; returns its closing call (idempotent). */
export function subscriberOpened(resource: PollResourceLabel): () => void {
  metrics.subscribers.inc({ resource });
  let open = true;
  return () => {
    if (open) metrics.subscribers.dec({ resource });
    open = false;
  };
}

/** Runs `fn` detached from the current request (its scope and trace): for pollers, whose timers outlive it. */
export function detachedFromRequest<T>(fn: () => T): T {
  return context.with(ROOT_CONTEXT, () => outsideScope(fn));
}
