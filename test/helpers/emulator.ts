import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/emulator/index.js';

export { startEmulator };
export type { RunningEmulator };

export interface GraphAnswer<T = any> {
  status: number;
  headers: Record<string, string>;
  body: T;
}

/** One HTTP call to the emulator's Graph routes; `path` is absolute or relative to its origin. */
export async function graph<T = any>(
  emu: RunningEmulator,
  path: string,
  options: { token?: string | undefined; prefer?: string | string[]; method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<GraphAnswer<T>> {
  const headers = new Headers(options.headers);
  if (options.token !== undefined) headers.set('authorization', `Bearer ${options.token}`);
  for (const p of typeof options.prefer === 'string' ? [options.prefer] : (options.prefer ?? [])) headers.append('prefer', p);
  if (options.body !== undefined) headers.set('content-type', 'application/json');
  const res = await fetch(path.startsWith('http') ? path : `${emu.url}${path}`, {
    method: options.method ?? 'GET',
    headers,
    ...(options.body === undefined ? {} : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // keep the text
  }
  return { status: res.status, headers: Object.fromEntries(res.headers), body: body as T };
}

/** Follows nextLinks to the end of a round; returns every page's body. */
export async function readRound(emu: RunningEmulator, url: string, token: string, prefer?: string | string[], maxPages = 10_000) {
  const pages: any[] = [];
  let next: string | undefined = url;
  while (next !== undefined) {
    const res: GraphAnswer = await graph(emu, next, { token, ...(prefer === undefined ? {} : { prefer }) });
    if (res.status !== 200) throw new Error(`round page answered ${res.status}: ${JSON.stringify(res.body)}`);
    pages.push(res.body);
    next = res.body['@odata.nextLink'];
    if (pages.length > maxPages) throw new Error('round does not end');
  }
  const last = pages[pages.length - 1];
  return { pages, items: pages.flatMap((p) => p.value as any[]), deltaLink: last['@odata.deltaLink'] as string };
}

/** Starts an emulator for a test file. */
export async function emulatorFor(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return startEmulator({ port: 0, ...options });
}

/** Every mail folder of the signed-in user: the top level (every page) and, below each, its childFolders. */
export async function allMailFolders(origin: string, token: string): Promise<any[]> {
  const list = async (url: string): Promise<any[]> => {
    const out: any[] = [];
    for (let next: string | undefined = url; next !== undefined; ) {
      const res = await fetch(next, { headers: { authorization: `Bearer ${token}` } });
      const body = (await res.json()) as { value: any[]; '@odata.nextLink'?: string };
      out.push(...body.value);
      next = body['@odata.nextLink'];
    }
    return out;
  };
  const all: any[] = [];
  const walk = async (url: string): Promise<void> => {
    for (const folder of await list(url)) {
      all.push(folder);
      if (folder.childFolderCount > 0) await walk(`${origin}/v1.0/me/mailFolders/${encodeURIComponent(folder.id)}/childFolders`);
    }
  };
  await walk(`${origin}/v1.0/me/mailFolders`);
  return all;
}
