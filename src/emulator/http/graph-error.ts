/** An error the emulator answers with Graph's status, error code and message. */
export class GraphError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'GraphError';
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

export function graphError(status: number, code: string, message: string, headers: Record<string, string> = {}): GraphError {
  return new GraphError(status, code, message, headers);
}

/** Graph's error body: `{"error":{"code","message","innerError":{"request-id","date"}}}`. */
export function errorBody(code: string, message: string, requestId: string, date: Date, extra: Record<string, unknown> = {}, clientRequestId = requestId): unknown {
  const innerDate = date.toISOString().replace(/\.\d{3}Z$/, '');
  return {
    error: {
      code,
      message,
      innerError: { date: innerDate, 'request-id': requestId, 'client-request-id': clientRequestId, ...extra },
    },
  };
}

export const notFound = (what = 'The specified object was not found in the store.'): GraphError =>
  graphError(404, 'ErrorItemNotFound', what);

export const badRequest = (message: string, code = 'BadRequest'): GraphError => graphError(400, code, message);

export const accessDenied = (): GraphError => graphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');

export const syncStateNotFound = (code = 'syncStateNotFound'): GraphError =>
  graphError(
    410,
    code,
    code === 'resyncRequired'
      ? 'The delta token is no longer valid, and the app must reset the sync state.'
      : 'The sync state generation is not found. The delta token is expired and data must be synchronized again.',
  );
