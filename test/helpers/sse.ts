/** A GraphQL result as a subscription event carries it. */
export interface StreamResult<T = Record<string, any>> {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export interface EventStream<T = Record<string, any>> {
  /** The HTTP status of the response (200 for a stream; a 4xx answer ends at once). */
  status: Promise<number>;
  /** Every result received so far. */
  results: StreamResult<T>[];
  /** The next result not yet taken by `next()`; rejects after `timeoutMs` or when the stream ends first. */
  next(timeoutMs?: number): Promise<StreamResult<T>>;
  /** Resolves when the server ends the stream (`event: complete` or end of body). */
  done: Promise<void>;
  /** Whether the server ended the stream. */
  readonly ended: boolean;
  /** Disconnects (the client going away). */
  close(): void;
}

export interface EventStreamOptions {
  token?: string | null;
  variables?: Record<string, unknown>;
  headers?: Record<string, string>;
}

/**
 * Subscribes over Server-Sent Events with plain fetch streaming (as `EventSource`-style clients do:
 * POST with `Accept: text/event-stream`) and parses the `next` / `complete` events.
 */
export function eventStream<T = Record<string, any>>(url: string, query: string, options: EventStreamOptions = {}): EventStream<T> {
  const controller = new AbortController();
  const results: StreamResult<T>[] = [];
  let taken = 0;
  let ended = false;
  const waiters: (() => void)[] = [];
  const wake = () => {
    for (const waiter of waiters.splice(0)) waiter();
  };

  let resolveStatus!: (status: number) => void;
  const status = new Promise<number>((resolve) => (resolveStatus = resolve));

  const done = (async () => {
    try {
      const response = await fetch(url, {
        method: 'POST',
        signal: controller.signal,
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...options.headers,
        },
        body: JSON.stringify({ query, variables: options.variables ?? {} }),
      });
      resolveStatus(response.status);
      if (!response.body) return;
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let boundary = buffer.indexOf('\n\n');
        while (boundary >= 0) {
          const block = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          boundary = buffer.indexOf('\n\n');
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
          }
          if (event === 'complete') return;
          if (data.length > 0 && (event === 'next' || event === 'message')) {
            results.push(JSON.parse(data.join('\n')) as StreamResult<T>);
            wake();
          }
        }
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    } finally {
      ended = true;
      resolveStatus(0);
      wake();
    }
  })();
  done.catch(() => undefined);

  return {
    status,
    results,
    done: done.then(() => undefined),
    get ended() {
      return ended;
    },
    next(timeoutMs = 15_000) {
      return new Promise<StreamResult<T>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no subscription event within ${timeoutMs} ms (got ${results.length})`)), timeoutMs);
        const check = () => {
          if (taken < results.length) {
            clearTimeout(timer);
            resolve(results[taken++] as StreamResult<T>);
          } else if (ended) {
            clearTimeout(timer);
            reject(new Error(`the stream ended after ${results.length} events`));
          } else waiters.push(check);
        };
        check();
      });
    },
    close() {
      controller.abort();
    },
  };
}
