/** A tiny path router: literal segments match case-insensitively (as Graph's do), `:name` captures one segment. */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type RouteHandler<C> = (ctx: C, params: Readonly<Record<string, string>>) => Reply | Promise<Reply>;

export interface Router<C> {
  on(method: string, pattern: string, handler: RouteHandler<C>): Router<C>;
  match(method: string, segments: readonly string[]): { handler: RouteHandler<C>; params: Record<string, string> } | 'method' | undefined;
}

interface Route<C> {
  method: string;
  parts: string[];
  handler: RouteHandler<C>;
}

export function createRouter<C>(): Router<C> {
  const routes: Route<C>[] = [];
  const router: Router<C> = {
    on(method, pattern, handler) {
      routes.push({ method: method.toUpperCase(), parts: pattern === '' ? [] : pattern.split('/'), handler });
      return router;
    },
    match(method, segments) {
      let pathMatched = false;
      for (const route of routes) {
        if (route.parts.length !== segments.length) continue;
        const params: Record<string, string> = {};
        let ok = true;
        for (let i = 0; i < segments.length && ok; i += 1) {
          const part = route.parts[i] as string;
          const seg = segments[i] as string;
          if (part.startsWith(':')) params[part.slice(1)] = seg;
          else ok = part.toLowerCase() === seg.toLowerCase();
        }
        if (!ok) continue;
        if (route.method === method.toUpperCase()) return { handler: route.handler, params };
        pathMatched = true;
      }
      return pathMatched ? 'method' : undefined;
    },
  };
  return router;
}

/**
 * Splits a URL path into decoded segments, normalising OData spellings: `mailFolders('id')` → `mailFolders`, `id`;
 * `microsoft.graph.delta()` and `delta()` → `delta`; `microsoft.graph.move` → `move`.
 */
export function splitPath(pathname: string): string[] | undefined {
  const out: string[] = [];
  for (const raw of pathname.split('/')) {
    if (raw === '') continue;
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    const key = /^([^()]+)\('([^']*)'\)$/.exec(seg);
    if (key) {
      out.push(key[1] as string, key[2] as string);
      continue;
    }
    seg = seg.replace(/^microsoft\.graph\./i, '').replace(/\(\)$/, '');
    out.push(seg);
  }
  return out;
}
