export interface RequestLogEntry {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Request headers, lower-case names, without Authorization. */
  headers: Record<string, string>;
  status: number;
  at: string;
  /** The emulator's request-id for this request (a `$batch` and each request inside it have their own). */
  requestId?: string;
  /** For a request that came inside a `$batch`: the batch's request-id. */
  batch?: string;
  /** For a request that came inside a `$batch`: its id in the batch. */
  batchItem?: string;
}

export interface RequestLog {
  add(entry: RequestLogEntry): void;
  list(): RequestLogEntry[];
  clear(): void;
}

export function createRequestLog(capacity = 10_000): RequestLog {
  let entries: RequestLogEntry[] = [];
  return {
    add(entry) {
      entries.push(entry);
      if (entries.length > capacity) entries = entries.slice(-capacity);
    },
    list: () => [...entries],
    clear() {
      entries = [];
    },
  };
}
