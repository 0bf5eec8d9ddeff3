export { createPushManager, type PushManager, type PushManagerOptions } from './push-manager.js';
export { createNotificationRoutes, LIFECYCLE_PATH, NOTIFICATIONS_PATH } from './routes.js';
export { clientStateFor, clientStateMatches } from './client-state.js';
export { pushTargetOf, type PushTarget } from './target.js';
