import { gatewayError } from '../errors.js';

/** The token of an `Authorization: Bearer …` header; undefined when there is no Authorization header. */
export function bearerToken(request: Request): string | undefined {
  const header = request.headers.get('authorization');
  if (header === null) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) throw gatewayError('UNAUTHENTICATED', 'The Authorization header must be `Bearer <access token>`.');
  return match[1];
}
