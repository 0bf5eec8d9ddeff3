import { createHmac, timingSafeEqual } from 'node:crypto';

// Domain separation: the cursor secret also seals cursors; this HMAC input can never be a cursor's.
const LABEL = 'delta-gateway/push/clientState/v1';

/**
 * The `clientState` of the Graph subscription of one mailbox and resource: an HMAC under the first
 * cursor secret, 43 characters (Graph takes at most 128). Every instance derives the same value, so
 * any of them can check a notification for a subscription that another created, store or not.
 */
export function clientStateFor(secret: string, mailbox: string, resource: string): string {
  return createHmac('sha256', secret).update(`${LABEL}\0${mailbox}\0${resource}`).digest('base64url');
}

/** Whether `given` is the clientState of this mailbox and resource under any listed secret; constant time. */
export function clientStateMatches(secrets: readonly string[], mailbox: string, resource: string, given: unknown): boolean {
  if (typeof given !== 'string' || given.length > 256) return false;
  const actual = Buffer.from(given);
  let ok = false;
  for (const secret of secrets) {
    const expected = Buffer.from(clientStateFor(secret, mailbox, resource));
    // Lengths are public (every expected value has 43 characters); the comparison of contents is not.
    if (expected.length === actual.length && timingSafeEqual(expected, actual)) ok = true;
  }
  return ok;
}
