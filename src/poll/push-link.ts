import type { ResourceName, RoundOptions } from '../delta/resources/types.js';

/** A poller's tie to the Graph subscription of its resource (see src/push/). */
export interface PollPushLink {
  /** True while the Graph subscription is live: the poller then polls at the backstop interval. */
  live(): boolean;
  /** The poller stopped. */
  detach(): void;
}

/** Change notifications as the pollers see them: attach a poller, get told to poll now. */
export interface PollPush {
  /** Undefined when Graph cannot notify about this resource (the poller then polls at its interval). */
  attach(
    request: { resource: ResourceName; options: RoundOptions; principalKey: string; getToken(): Promise<string> },
    pollNow: () => void,
  ): PollPushLink | undefined;
  /** Stops renewing and listening, keeping Graph's subscriptions (recorded in the store) for a restart to reuse. */
  close(): Promise<void>;
}
