import { badRequest } from '../http/graph-error.js';
import type { Reply } from '../http/router.js';
import type { Json } from '../data/store.js';

/**
 * JSON batching (SPEC §7): at most 20 requests, ids unique case-insensitively, URLs relative to the
 * version root, no nesting, per-request headers, `dependsOn` either fully serial or absent (a mixed
 * pattern is a 400 for the whole batch), 424 for a request whose dependency failed, responses in an
 * order that is not the request order. Unordered batches run at most 4 requests at a time, as Graph
 * hands Outlook at most 4 requests of a batch at once.
 */
export const MAX_BATCH_REQUESTS = 20;
export const BATCH_FAN_OUT = 4;

export interface BatchItem {
  id: string;
  method: string;
  /** Relative to the version root, without a leading slash. */
  url: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: Json | undefined;
  dependsOn: string | undefined;
}

export interface BatchPlan {
  items: BatchItem[];
  serial: boolean;
}

export interface BatchResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

const fail = (message: string) => badRequest(message, 'BadRequest');

/** Validates a `$batch` body into a plan, or throws the 400 Graph answers for the whole batch. */
export function planBatch(body: Json): BatchPlan {
  const requests = body['requests'];
  if (!Array.isArray(requests)) throw fail("Invalid batch payload format: the 'requests' property is required.");
  if (requests.length === 0) throw fail('Invalid batch payload format: at least one request is required.');
  if (requests.length > MAX_BATCH_REQUESTS) throw fail(`Number of batch requests exceeds the limit of ${MAX_BATCH_REQUESTS}.`);
  const seen = new Set<string>();
  const items = requests.map((raw: unknown, index): BatchItem => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw fail(`Request ${index} of the batch is not an object.`);
    const r = raw as Record<string, unknown>;
    const id = r['id'];
    if (typeof id !== 'string' || id === '') throw fail(`Request ${index} of the batch has no 'id'.`);
    const key = id.toLowerCase();
    if (seen.has(key)) throw fail(`Request id '${id.slice(0, 64)}' appears more than once in the batch (ids are case-insensitive).`);
    seen.add(key);
    const method = r['method'];
    if (typeof method !== 'string' || !/^(GET|POST|PATCH|PUT|DELETE)$/i.test(method)) throw fail(`Request '${id}' has no valid 'method'.`);
    const url = r['url'];
    if (typeof url !== 'string' || url === '') throw fail(`Request '${id}' has no 'url'.`);
    if (/^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith('//')) throw fail(`Request '${id}': batch URLs must be relative to the version root.`);
    const relative = url.replace(/^\/+/, '');
    if (/^\$batch(?:[/?#]|$)/i.test(relative)) throw fail(`Request '${id}': a batch cannot contain another batch.`);
    const headers: Record<string, string> = {};
    const h = r['headers'];
    if (h !== undefined && h !== null) {
      if (typeof h !== 'object' || Array.isArray(h)) throw fail(`Request '${id}': 'headers' must be an object.`);
      for (const [name, value] of Object.entries(h)) {
        if (typeof value !== 'string') throw fail(`Request '${id}': header '${name}' must be a string.`);
        headers[name.toLowerCase()] = value;
      }
    }
    const b = r['body'];
    if (b !== undefined && b !== null) {
      if (headers['content-type'] === undefined) throw fail(`Request '${id}': a body needs a Content-Type header.`);
      if (typeof b !== 'object' || Array.isArray(b)) throw fail(`Request '${id}': 'body' must be a JSON object.`);
    }
    const d = r['dependsOn'];
    let dependsOn: string | undefined;
    if (d !== undefined && d !== null) {
      if (!Array.isArray(d) || d.some((x) => typeof x !== 'string')) throw fail(`Request '${id}': 'dependsOn' must be an array of ids.`);
      if (d.length > 1) throw fail(`Request '${id}': a request can depend on one other request only.`);
      dependsOn = d[0] as string | undefined;
    }
    return { id, method: method.toUpperCase(), url: relative, headers, body: (b ?? undefined) as Json | undefined, dependsOn };
  });
  const withDeps = items.filter((i) => i.dependsOn !== undefined).length;
  if (withDeps === 0) return { items, serial: false };
  // Serial: every request but the first depends on the one before it.
  const serial = items.every((item, i) => (i === 0 ? item.dependsOn === undefined : item.dependsOn?.toLowerCase() === items[i - 1]?.id.toLowerCase()));
  if (!serial) throw fail('Batch should be either fully sequential or fully parallel.');
  return { items, serial: true };
}

/** Runs a plan; `run` executes one inner request the way a plain request is executed. */
export async function runBatch(plan: BatchPlan, run: (item: BatchItem) => Promise<Reply>, random: () => number = Math.random): Promise<BatchResponse[]> {
  const responses: BatchResponse[] = [];
  if (plan.serial) {
    let failed = false;
    for (const item of plan.items) {
      if (failed) {
        responses.push(failedDependency(item));
        continue;
      }
      const reply = await run(item);
      responses.push(toResponse(item, reply));
      if (reply.status >= 400) failed = true;
    }
  } else {
    let next = 0;
    const worker = async () => {
      while (next < plan.items.length) {
        const item = plan.items[next] as BatchItem;
        next += 1;
        responses.push(toResponse(item, await run(item)));
      }
    };
    await Promise.all(Array.from({ length: Math.min(BATCH_FAN_OUT, plan.items.length) }, worker));
  }
  return shuffled(responses, plan.items.map((i) => i.id).join('\u0000'), random);
}

function toResponse(item: BatchItem, reply: Reply): BatchResponse {
  const headers: Record<string, string> = { ...reply.headers };
  if (reply.body !== undefined) headers['Content-Type'] = 'application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8';
  return { id: item.id, status: reply.status, headers, ...(reply.body === undefined ? {} : { body: reply.body }) };
}

function failedDependency(item: BatchItem): BatchResponse {
  return {
    id: item.id,
    status: 424,
    headers: { 'Content-Type': 'application/json' },
    body: { error: { code: 'FailedDependency', message: 'The request failed because a request it depends on failed.' } },
  };
}

/** Graph promises no order: never the request order when there is more than one response. */
function shuffled<T extends { id: string }>(list: T[], requestOrder: string, random: () => number): T[] {
  if (list.length < 2) return list;
  const out = [...list];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  if (out.map((r) => r.id).join('\u0000') === requestOrder) out.reverse();
  return out;
}
