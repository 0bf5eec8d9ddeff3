import type { IncomingMessage } from 'node:http';
import { graphError } from './graph-error.js';
import type { Json } from '../data/store.js';

/** Graph's JSON request limit is 4 MB; bigger bodies are refused without buffering them. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

export class BodyTooLargeError extends Error {}

export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLargeError());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!done) resolve(Buffer.concat(chunks));
      done = true;
    });
    req.on('error', (err) => {
      if (!done) reject(err);
      done = true;
    });
  });
}

const UNREADABLE = 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.';

/** Parses a JSON object body; an empty body is `{}`. Anything else is Graph's 400. */
export function parseJsonObject(buf: Buffer): Json {
  const text = buf.toString('utf8').trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw graphError(400, 'BadRequest', UNREADABLE);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw graphError(400, 'BadRequest', UNREADABLE);
  return value as Json;
}
