import { createGraphQLError, type Plugin } from 'graphql-yoga';

/** yoga's default `maxRequestBodySize`. */
export const MAX_REQUEST_BODY_BYTES = 25_000_000;

type FetchApi = Parameters<NonNullable<Plugin['onRequestParse']>>[0]['fetchAPI'];

// The errors yoga's own limit throws (its REQUEST_ENTITY_TOO_LARGE is the contract's BAD_REQUEST).
const tooLarge = () => createGraphQLError('Request body too large', { extensions: { http: { status: 413 }, code: 'BAD_REQUEST' } });
const invalidLength = () => createGraphQLError('Content-Length header is invalid.', { extensions: { http: { status: 400 }, code: 'BAD_REQUEST' } });

/** A request whose body errors once more than `limit` bytes have been read (yoga's own way of counting). */
function countedBody(request: Request, limit: number, fetchAPI: FetchApi): Request {
  const { body } = request;
  if (!body) return request;
  // As yoga: a native ReadableStream needs the native TransformStream (graphql-yoga#4583).
  const Transform = body instanceof ReadableStream ? globalThis.TransformStream : fetchAPI.TransformStream;
  let read = 0;
  const counted = body.pipeThrough(
    new Transform<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        read += chunk.byteLength;
        if (read > limit) controller.error(tooLarge());
        else controller.enqueue(chunk);
      },
    }),
  );
  return new fetchAPI.Request(request.url, { method: request.method, headers: request.headers, signal: request.signal, body: counted, duplex: 'half' } as RequestInit);
}

/**
 * yoga's request body limit (use with `maxRequestBodySize: false`), minus its cost on every request
 * that states its length. yoga pipes every body through a counting stream; on this gateway's page
 * requests that was ~15% of its CPU. A stated Content-Length is checked as yoga checks it, and then
 * nothing is left to count: node:http (which serves the gateway, see server.ts) frames the body by
 * that header and never hands over more. A body without one (chunked) is counted as yoga does.
 */
export function useRequestBodyLimit(limit = MAX_REQUEST_BODY_BYTES): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      const length = request.headers.get('content-length');
      if (length !== null) {
        if (!/^\d+$/.test(length)) throw invalidLength();
        if (Number(length) > limit) throw tooLarge();
        return;
      }
      if (requestParser === undefined || request.body === null) return;
      setRequestParser((req) => requestParser(countedBody(req, limit, fetchAPI)));
    },
  };
}
