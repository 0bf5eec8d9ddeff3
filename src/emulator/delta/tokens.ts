import { randomBytes } from 'node:crypto';

/**
 * Server-side state behind $skiptoken/$deltatoken values. Tokens are random, so a client can neither
 * read nor forge them; the registry is bounded like Graph's token cache, so very old tokens expire (410).
 */
export interface TokenRegistry<S> {
  issue(state: S): string;
  get(token: string): { state: S; expiredCode: string | undefined } | undefined;
  expire(token: string, code: string): boolean;
  expireAll(code: string): void;
  clear(): void;
  readonly size: number;
}

interface Slot<S> {
  serial: number;
  state: S;
  expiredCode: string | undefined;
}

export function createTokenRegistry<S>(capacity = 200_000): TokenRegistry<S> {
  const slots = new Map<string, Slot<S>>();
  let serial = 0;
  let expiredBelow = 0;
  let expiredBelowCode = 'syncStateNotFound';
  return {
    get size() {
      return slots.size;
    },
    issue(state) {
      serial += 1;
      const token = randomBytes(30).toString('base64url');
      slots.set(token, { serial, state, expiredCode: undefined });
      if (slots.size > capacity) {
        const oldest = slots.keys().next().value;
        if (oldest !== undefined) slots.delete(oldest);
      }
      return token;
    },
    get(token) {
      const slot = slots.get(token);
      if (!slot) return undefined;
      const expiredCode = slot.expiredCode ?? (slot.serial <= expiredBelow ? expiredBelowCode : undefined);
      return { state: slot.state, expiredCode };
    },
    expire(token, code) {
      const slot = slots.get(token);
      if (!slot) return false;
      slot.expiredCode = code;
      return true;
    },
    expireAll(code) {
      expiredBelow = serial;
      expiredBelowCode = code;
      for (const slot of slots.values()) slot.expiredCode ??= code;
    },
    clear() {
      slots.clear();
    },
  };
}
