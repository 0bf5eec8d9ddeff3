import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, withGraphBaseUrl } from '../../src/config/index.js';
import { startEmulator, type RequestLogEntry, type RunningEmulator } from '../../src/emulator/index.js';
import { createLogger } from '../../src/log.js';
import { startGatewayServer, type GatewayServer } from '../../src/server/gateway-server.js';
import { readRound } from '../helpers/emulator.js';

const CHROMIUM = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM) console.warn(`test/demo/live-page: skipped, ${CHROMIUM} is absent (apt-get install chromium)`);
/** Screenshots of each step, kept as test artifacts (gitignored). */
const ARTIFACTS = resolve(import.meta.dirname, '../artifacts/live-page');
/** `UPDATE_SCREENSHOT=1` also rewrites the README's screenshot. */
const README_SCREENSHOT = resolve(import.meta.dirname, '../../src/demo/screenshot.png');

function isLocal(url: string): boolean {
  const parsed = new URL(url);
  if (parsed.protocol === 'data:' || parsed.protocol === 'about:') return true;
  const host = parsed.protocol === 'blob:' ? new URL(parsed.pathname).hostname : parsed.hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
}

/** Graph requests for the inbox's message delta, split by the kind of link. */
function inboxRequests(log: RequestLogEntry[]) {
  const inbox = log.filter((r) => /\/mailFolders\/inbox\/messages\/delta$/i.test(r.path));
  const keys = (r: RequestLogEntry) => Object.keys(r.query).map((k) => k.toLowerCase());
  return {
    initial: inbox.filter((r) => !keys(r).includes('$skiptoken') && !keys(r).includes('$deltatoken')),
    skip: inbox.filter((r) => keys(r).includes('$skiptoken')),
    delta: inbox.filter((r) => keys(r).includes('$deltatoken')),
  };
}

// Generous per-test time: the machine running the suite may be busy; every wait below is a poll that ends as soon as it holds.
describe.skipIf(!HAS_CHROMIUM)('the live mailbox page in headless Chromium', { timeout: 90_000 }, () => {
  let emulator: RunningEmulator;
  let gateway: GatewayServer;
  let profile: string;
  let browser: BrowserContext;
  let page: Page;
  let inboxIds: string[];
  const requests: string[] = [];
  const pageErrors: string[] = [];
  let shot = 0;
  const screenshot = async (name: string) => {
    await page.screenshot({ path: join(ARTIFACTS, `${String(++shot).padStart(2, '0')}-${name}.png`), fullPage: false });
  };
  const messageRow = (subject: string) => page.locator('#messages li', { hasText: subject });
  const status = () => page.locator('#status').innerText();

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    // Demo mode as `npm start` builds it (src/server.ts): the embedded emulator, demo auth, the page at `/`.
    emulator = await startEmulator({ seed: 'demo' });
    const config = withGraphBaseUrl(loadConfig({ PORT: '0', LOG_LEVEL: 'silent', POLL_INTERVAL_MS: '300' }), emulator.url);
    expect(config.demo && config.demoPage).toBe(true);
    gateway = await startGatewayServer({ config, logger: createLogger('silent'), emulatorUrl: emulator.url });
    const token = await emulator.admin.token();
    inboxIds = (await readRound(emulator, `${emulator.url}/v1.0/me/mailFolders/inbox/messages/delta`, token)).items.map((m) => m.id as string);

    profile = await mkdtemp(join(tmpdir(), 'delta-gateway-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 860 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    browser.on('request', (request) => requests.push(request.url()));
    page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    await emulator?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  it('shows the inbox, read as a delta round through the GraphQL API, then goes live', async () => {
    await page.goto(`${gateway.url}/`);
    await expect.poll(status, { timeout: 30_000 }).toMatch(/^live/);
    await expect.poll(() => page.locator('#messages li').count()).toBe(inboxIds.length);
    expect(await page.locator('#folders button[aria-current="true"]').innerText()).toMatch(/Inbox/);
    expect(await status()).toMatch(new RegExp(`round 1: \\d+ pages read, ${inboxIds.length} items`));
    await screenshot('inbox');
  });

  it('shows a message created through the admin API within seconds, without a reload, marked as new', async () => {
    const created = await emulator.admin.createMessage('inbox', { subject: 'Created by the page test', from: { emailAddress: { name: 'Test Sender', address: 'test@contoso.example' } } });
    const row = messageRow('Created by the page test');
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    expect(await row.getAttribute('class')).toBe('is-new');
    expect(await row.locator('.mark').innerText()).toMatch(/new/i);
    await screenshot('created');
    if (process.env['UPDATE_SCREENSHOT']) await page.screenshot({ path: README_SCREENSHOT });

    await emulator.admin.deleteMessage(created.id);
    // Struck through for a few seconds, then gone.
    await expect.poll(() => row.getAttribute('class'), { timeout: 10_000 }).toBe('is-removed');
    await screenshot('deleted');
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(0);
    expect(await page.locator('#messages li').count()).toBe(inboxIds.length);
  });

  it('resumes from the stored cursor after a reload instead of reading the whole round again', async () => {
    await emulator.admin.clearRequests();
    const changedWhileAway = await emulator.admin.createMessage('inbox', { subject: 'Arrived before the reload' });
    await page.reload();
    await expect.poll(status, { timeout: 30_000 }).toMatch(/^live/);
    await expect.poll(() => messageRow('Arrived before the reload').count(), { timeout: 10_000 }).toBe(1);
    expect(await page.locator('#messages li').count()).toBe(inboxIds.length + 1);
    const inbox = inboxRequests(await emulator.admin.requests());
    // No new round, no page of the old one: only the stored deltaLink was followed.
    expect(inbox.initial).toEqual([]);
    expect(inbox.skip).toEqual([]);
    expect(inbox.delta.length).toBeGreaterThan(0);
    await emulator.admin.deleteMessage(changedWhileAway.id);
    await expect.poll(() => messageRow('Arrived before the reload').count(), { timeout: 15_000 }).toBe(0);
  });

  it('resumes a round cut off by a reload from its last stored page', async () => {
    await emulator.admin.setRealism({ latencyMs: 250 });
    try {
      // "Forget stored state" drops the stored cursors and reloads: a new round, slowed down here.
      await page.getByRole('button', { name: 'Forget stored state' }).click();
      await expect.poll(status, { timeout: 30_000 }).toMatch(/^reading a new round · round 1: [2-9] pages read/);
      await emulator.admin.clearRequests();
      await page.reload();
      await expect.poll(status, { timeout: 30_000 }).toMatch(/^resuming the round/);
    } finally {
      await emulator.admin.setRealism({ latencyMs: 0 });
    }
    await expect.poll(status, { timeout: 30_000 }).toMatch(/^live/);
    const inbox = inboxRequests(await emulator.admin.requests());
    expect(inbox.initial).toEqual([]);
    expect(inbox.skip.length).toBeGreaterThan(0);
    expect(await page.locator('#messages li').count()).toBe(inboxIds.length);
  });

  it('simulate bar: its changes arrive through the subscription (new mail, mark read, move, delete, new meeting)', async () => {
    await page.getByRole('button', { name: 'New mail' }).click();
    await expect.poll(() => page.locator('#messages li.is-new').count(), { timeout: 10_000 }).toBe(1);
    const row = page.locator('#messages li.is-new');
    const subject = (await row.locator('.subject').innerText()).trim();
    expect(await row.locator('button').getAttribute('class')).toBe('unread');

    // Keyboard only: the list is one tab stop; arrows move through it, Enter selects.
    const newId = await row.getAttribute('data-id');
    await messageRow(subject).locator('button').focus();
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate(() => (document.activeElement?.closest('li')?.previousElementSibling as HTMLElement | null)?.dataset['id'])).toBe(newId);
    expect(await page.locator('#messages li button[tabindex="0"]').count()).toBe(1);
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await expect.poll(() => messageRow(subject).locator('button').getAttribute('aria-pressed')).toBe('true');
    await page.getByRole('button', { name: 'Mark read' }).click();
    await expect.poll(() => messageRow(subject).locator('button').getAttribute('class'), { timeout: 10_000 }).toBe('');
    expect(await messageRow(subject).getAttribute('class')).toBe('is-changed');

    await page.getByRole('button', { name: 'Move to archive' }).click();
    await expect.poll(() => messageRow(subject).getAttribute('class'), { timeout: 10_000 }).toBe('is-removed');
    await expect.poll(() => messageRow(subject).count(), { timeout: 10_000 }).toBe(0);

    await page.getByRole('button', { name: /Archive/ }).click();
    await expect.poll(() => messageRow(subject).count(), { timeout: 30_000 }).toBe(1);
    await messageRow(subject).locator('button').click();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect.poll(() => messageRow(subject).count(), { timeout: 15_000 }).toBe(0);

    await page.getByRole('button', { name: 'New meeting' }).click();
    await expect.poll(() => page.locator('#events li.is-new').count(), { timeout: 10_000 }).toBe(1);
    await screenshot('simulated');
    await page.getByRole('button', { name: /Inbox/ }).click();
    await expect.poll(status, { timeout: 30_000 }).toMatch(/^live/);
  });

  it('handles RESYNC_REQUIRED by visibly reading a new round', async () => {
    const before = await page.locator('#messages li').count();
    await emulator.admin.expireTokens({ all: true, code: 'resyncRequired' });
    await expect.poll(status, { timeout: 15_000 }).toMatch(/round 2: /);
    await expect.poll(status, { timeout: 30_000 }).toMatch(/^live/);
    expect(await page.locator('#messages li').count()).toBe(before);
  });

  it('is readable at phone width, and no request left loopback', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot('phone');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    expect(pageErrors).toEqual([]);
    // The simulate route takes JSON only (no cross-site form posts) and only the actions it knows.
    const simulate = (body: string, type: string) => fetch(`${gateway.url}/demo/simulate`, { method: 'POST', headers: { 'content-type': type }, body });
    expect((await simulate('{"action":"newMail"}', 'text/plain')).status).toBe(415);
    expect((await simulate('{"action":"dropTables"}', 'application/json')).status).toBe(400);
    expect((await simulate('{"action":"delete","id":"no-such-message"}', 'application/json')).status).toBe(404);
    expect(requests.length).toBeGreaterThan(3);
    expect(requests.filter((url) => !isLocal(url))).toEqual([]);
  });
});
