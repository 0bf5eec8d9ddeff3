export interface RequestLogEntry {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Request headers, lower-case names, without Authorization. */
  headers: Record<string, string>;
  status: number;
  at: string;
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
