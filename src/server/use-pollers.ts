import type { Plugin } from 'graphql-yoga';
import type { Pollers } from '../poll/pollers.js';

/** Stops every poller (and completes their subscriptions) when the yoga instance is disposed. */
export function usePollers(pollers: Pollers): Plugin {
  return {
    onDispose: () => pollers.close(),
  };
}
