import type { Logger } from 'pino';
import { storeKind } from '../store/index.js';
import { createLocalCoordinator, type PollCoordinator } from './coordinator.js';
import { createRedisCoordinator } from './redis-coordinator.js';

export { createPollers, type Pollers, type PollersOptions, type SubscribeRequest } from './pollers.js';
export type { PollEvent, PollerStats } from './poller.js';
export type { PollCoordinator } from './coordinator.js';
export { crashAt } from './crash-seam.js';

/** Redis store: pollers agree across instances through Redis; otherwise within this process. */
export function createPollCoordinator(storeUrl: string, logger?: Pick<Logger, 'warn'>): PollCoordinator {
  return storeKind(storeUrl) === 'redis' ? createRedisCoordinator({ url: storeUrl, ...(logger ? { logger } : {}) }) : createLocalCoordinator();
}
