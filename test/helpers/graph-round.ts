import type { RunningEmulator } from '../../src/emulator/index.js';

/** Reads a whole delta round straight from the emulator (no gateway), following nextLinks: the reference. */
export async function directRound(emulator: RunningEmulator, token: string, pathAndQuery: string, prefer: string[] = []) {
  const ids: string[] = [];
  let url = `${emulator.url}${pathAndQuery}`;
  for (let pages = 0; pages < 10_000; pages += 1) {
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}`, ...(prefer.length ? { prefer: prefer.join(', ') } : {}) } });
    if (!response.ok) throw new Error(`direct round: ${response.status} ${await response.text()}`);
    const body = (await response.json()) as { value: { id: string }[]; '@odata.nextLink'?: string; '@odata.deltaLink'?: string };
    ids.push(...body.value.map((item) => item.id));
    if (body['@odata.deltaLink']) return { ids, deltaLink: body['@odata.deltaLink'] };
    url = body['@odata.nextLink'] as string;
  }
  throw new Error('direct round did not end');
}
