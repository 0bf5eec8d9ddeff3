import { isGatewayError } from '../errors.js';
import { metrics } from './metrics.js';

const REJECTIONS = new Set(['INVALID_CURSOR', 'CURSOR_ARGS_MISMATCH']);

/** Opens/checks a client's cursor; a refusal is counted in `cursor_rejections_total{code}` and rethrown. */
export function countCursorRejections<T>(open: () => T): T {
  try {
    return open();
  } catch (error) {
    const code = isGatewayError(error) ? error.extensions.code : undefined;
    if (code !== undefined && REJECTIONS.has(code)) metrics.cursorRejections.inc({ code });
    throw error;
  }
}
