import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServer, type DemoServer } from '../helpers/demo-server.js';

const CHROMIUM = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM) console.warn(`test/graphiql: skipped, ${CHROMIUM} is absent (apt-get install chromium)`);

/** Hosts a page may load from without touching a network: loopback, and blob:/data: URLs it made itself. */
function isLocal(url: string): boolean {
  const parsed = new URL(url);
  if (parsed.protocol === 'data:' || parsed.protocol === 'about:') return true;
  const host = parsed.protocol === 'blob:' ? new URL(parsed.pathname).hostname : parsed.hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
}

describe.skipIf(!HAS_CHROMIUM)(`GraphiQL in headless Chromium (${HAS_CHROMIUM ? CHROMIUM : `skipped: ${CHROMIUM} is absent`})`, () => {
  let server: DemoServer;
  let profile: string;
  let browser: BrowserContext;
  const requests: string[] = [];

  beforeAll(async () => {
    server = await startDemoServer();
    profile = await mkdtemp(join(tmpdir(), 'delta-gateway-chromium-'));
    // A persistent context is how playwright takes a fresh user-data-dir.
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 1000 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    browser.on('request', (request) => requests.push(request.url()));
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  it('serves GraphiQL from the gateway alone and runs the default example query against the demo mailbox', async () => {
    const page = await browser.newPage();
    page.on('websocket', (socket) => requests.push(socket.url()));
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));

    await page.goto(server.graphqlUrl);
    const editor = page.locator('.graphiql-query-editor');
    // The default example query is in the editor (so every script and the editor itself loaded offline).
    await expect.poll(() => editor.innerText(), { timeout: 30_000 }).toMatch(/messagesDelta/);

    const answer = page.waitForResponse((r) => r.request().method() === 'POST' && r.url() === server.graphqlUrl && (r.request().postData() ?? '').includes('messagesDelta'), { timeout: 30_000 });
    await page.locator('.graphiql-execute-button').click();
    const body = (await (await answer).json()) as { data?: { messagesDelta?: { edges?: { node: { id: string } }[] } }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    const ids = (body.data?.messagesDelta?.edges ?? []).map((e) => e.node.id);
    expect(ids.length).toBeGreaterThan(0);

    // The result pane shows that data: the edges array and the first message's id.
    const response = page.locator('.graphiql-response');
    // (The pane wraps long lines: compare without whitespace.)
    const shown = async () => (await response.innerText()).replace(/\s+/g, '');
    await expect.poll(shown, { timeout: 15_000 }).toContain(`"id":"${ids[0]}"`);
    expect(await shown()).toMatch(/"messagesDelta":\{"edges":\[/);
    expect(await shown()).not.toMatch(/"errors"/);
    expect(pageErrors).toEqual([]);

    // Fully offline: every request the page made went to loopback (or was a blob:/data: URL).
    expect(requests.length).toBeGreaterThan(1);
    expect(requests.filter((url) => !isLocal(url))).toEqual([]);
    await page.close();
  });
});
