import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestLogEntry } from '../../src/emulator/index.js';
import { readRound } from '../helpers/emulator.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
const FOLDERS = ['inbox', 'archive', 'drafts'];
// What the mirror selects (src/mirror/resources.ts) and compares here, read from the emulator directly.
const SELECT = 'subject,isRead,parentFolderId';

interface Run {
  child: ReturnType<typeof spawn>;
  output(): string;
  /** Exit code, or the signal's name. */
  exited: Promise<number | string>;
}

/** `npm run mirror -- …` as a child process (stderr collected; not a TTY, so plain progress lines). */
function mirror(args: string[]): Run {
  const child = spawn(process.execPath, ['--import', TSX, join(ROOT, 'src/mirror/main.ts'), ...args], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((done) => child.once('exit', (code, signal) => done(code ?? signal ?? 'unknown')));
  return { child, output: () => output, exited };
}

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

describe('the mirror client (npm run mirror) against a gateway on the emulator', { timeout: 120_000 }, () => {
  let gateway: TestGateway;
  let dir: string;

  beforeAll(async () => {
    gateway = await startGateway({ env: { POLL_INTERVAL_MS: '300' } });
    dir = await mkdtemp(join(tmpdir(), 'delta-gateway-mirror-'));
  });
  afterAll(async () => {
    await gateway?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const args = (db: string, ...more: string[]) => ['--to', db, '--url', `${gateway.url}/graphql`, '--token', gateway.token, '--folders', FOLDERS.join(','), ...more];
  async function mirrorOnce(db: string, ...more: string[]): Promise<string> {
    const run = mirror(args(db, ...more));
    const code = await run.exited;
    if (code !== 0) throw new Error(`mirror exited ${code}:\n${run.output()}`);
    return run.output();
  }

  /** The emulator's messages of each folder (a fresh delta round, straight from its Graph routes). */
  async function emulatorData() {
    const token = await gateway.emulator.admin.token();
    const folders: Record<string, Record<string, { subject: unknown; isRead: unknown; parentFolderId: unknown }>> = {};
    for (const folder of FOLDERS) {
      const { items } = await readRound(gateway.emulator, `/v1.0/me/mailFolders/${folder}/messages/delta?$select=${SELECT}`, token, ['odata.maxpagesize=1000', 'IdType="ImmutableId"']);
      folders[folder] = Object.fromEntries(items.map((m) => [m.id, { subject: m.subject, isRead: m.isRead, parentFolderId: m.parentFolderId }]));
    }
    return folders;
  }
  function mirrored(path: string) {
    const db = new Database(path, { readonly: true });
    try {
      const folders: Record<string, Record<string, { subject: unknown; isRead: unknown; parentFolderId: unknown }>> = Object.fromEntries(FOLDERS.map((f) => [f, {}]));
      const rows = db.prepare('SELECT scope, id, subject, is_read, parent_folder_id, json FROM messages').all() as { scope: string; id: string; subject: string | null; is_read: number | null; parent_folder_id: string | null; json: string }[];
      for (const row of rows) {
        // The columns are the raw JSON's values.
        const json = JSON.parse(row.json) as { subject: unknown; isRead: unknown; parentFolderId: unknown };
        expect([row.subject, row.is_read === null ? null : row.is_read === 1, row.parent_folder_id]).toEqual([json.subject, json.isRead, json.parentFolderId]);
        (folders[row.scope] ??= {})[row.id] = { subject: row.subject, isRead: row.is_read === null ? null : row.is_read === 1, parentFolderId: row.parent_folder_id };
      }
      return folders;
    } finally {
      db.close();
    }
  }
  /** The calendars (mailbox-wide): id → name, in the emulator (beta calendar delta) and in the mirror. */
  async function emulatorCalendars() {
    const token = await gateway.emulator.admin.token();
    const { items } = await readRound(gateway.emulator, '/beta/me/calendars/delta', token);
    return Object.fromEntries(items.map((c) => [c.id as string, c.name as string]));
  }
  function mirroredCalendars(path: string) {
    const db = new Database(path, { readonly: true });
    try {
      const rows = db.prepare("SELECT id, name FROM calendars WHERE scope = 'me'").all() as { id: string; name: string }[];
      return Object.fromEntries(rows.map((r) => [r.id, r.name]));
    } finally {
      db.close();
    }
  }
  const cursors = (path: string) => {
    const db = new Database(path, { readonly: true });
    try {
      return db.prepare("SELECT scope, phase, round, pages, items FROM cursors WHERE resource = 'messages' ORDER BY scope").all() as { scope: string; phase: string; round: number; pages: number; items: number }[];
    } finally {
      db.close();
    }
  };
  const isInitial = (r: RequestLogEntry) => !Object.keys(r.query).some((k) => /^\$(skip|delta)token$/i.test(k));
  const messageDeltas = (log: RequestLogEntry[], folder?: string) => log.filter((r) => new RegExp(`/mailFolders/${folder ?? '[^/]+'}/messages/delta$`, 'i').test(r.path));

  it('mirrors the demo mailbox, follows creates, updates, deletes, moves, throttling, an expired token and expired delta state, and ends equal to the emulator', async () => {
    const db = join(dir, 'churn.db');
    await mirrorOnce(db);
    expect(mirrored(db)).toEqual(await emulatorData());
    expect(Object.keys(mirroredCalendars(db)).length).toBeGreaterThan(1);
    expect(mirroredCalendars(db)).toEqual(await emulatorCalendars());
    expect(cursors(db).map((c) => [c.scope, c.phase, c.round])).toEqual([...FOLDERS].sort().map((f) => [f, 'changes', 1]));

    // Churn through the admin API (immutable ids, as the gateway reads them).
    const admin = gateway.emulator.admin;
    const prefer = ['IdType="ImmutableId"'];
    const inbox = Object.keys(mirrored(db)['inbox'] ?? {});
    const archive = Object.keys(mirrored(db)['archive'] ?? {});
    for (let i = 0; i < 3; i++) await admin.createMessage('inbox', { subject: `mirror churn ${i}` }, { prefer });
    await admin.createMessage('drafts', { subject: 'a draft' }, { prefer });
    await admin.updateMessage(inbox[0]!, { isRead: true, subject: 'renamed' }, { prefer });
    await admin.updateMessage(inbox[1]!, { isRead: false }, { prefer });
    await admin.deleteMessage(inbox[2]!, { prefer });
    await admin.deleteMessage(archive[0]!, { prefer });
    await admin.moveMessage(inbox[3]!, 'archive', { prefer });
    await admin.moveMessage(inbox[4]!, 'archive', { prefer });
    await admin.moveMessage(archive[1]!, 'inbox', { prefer });
    const calendar = await admin.createCalendar({ name: 'Mirror churn' });
    // Graph throttles once beyond the gateway's retry budget (2 s in tests): THROTTLED, retryAfter 3.
    await admin.injectFault({ status: 429, retryAfter: 3, times: 1, match: { pathContains: 'mailFolders/inbox/messages/delta' } });
    await gateway.clearGraphRequests();
    const second = await mirrorOnce(db);
    const secondRequests = await gateway.graphRequests();
    expect(second).toMatch(/THROTTLED: waiting 3 s/);
    expect(mirrored(db)).toEqual(await emulatorData());
    expect(mirroredCalendars(db)[calendar.id]).toBe('Mirror churn');
    expect(mirroredCalendars(db)).toEqual(await emulatorCalendars());
    // Only the changes were read: no new round for any folder.
    expect(messageDeltas(secondRequests).filter(isInitial)).toEqual([]);
    expect(messageDeltas(secondRequests).length).toBeGreaterThanOrEqual(FOLDERS.length);

    // An expired bearer token: the mirror stops with UNAUTHENTICATED and changes nothing.
    const before = mirrored(db);
    const expired = await admin.token({ expiresIn: -60 });
    const refused = mirror(['--to', db, '--url', `${gateway.url}/graphql`, '--token', expired, '--folders', FOLDERS.join(',')]);
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toMatch(/UNAUTHENTICATED/);
    expect(refused.output()).not.toContain(expired);
    expect(mirrored(db)).toEqual(before);

    // More churn, then Graph forgets every delta state: a new round per folder, swapped in at its end.
    await admin.createMessage('archive', { subject: 'after the resync' }, { prefer });
    await admin.deleteMessage(inbox[5]!, { prefer });
    await admin.updateCalendar(calendar.id, { name: 'Mirror churn, renamed' });
    await admin.expireTokens({ all: true, code: 'resyncRequired' });
    const third = await mirrorOnce(db);
    expect(third).toMatch(/RESYNC_REQUIRED: starting a new round/);
    expect(mirrored(db)).toEqual(await emulatorData());
    expect(mirroredCalendars(db)[calendar.id]).toBe('Mirror churn, renamed');
    expect(mirroredCalendars(db)).toEqual(await emulatorCalendars());
    expect(cursors(db).map((c) => [c.scope, c.phase, c.round])).toEqual([...FOLDERS].sort().map((f) => [f, 'changes', 2]));
  });

  it('survives a SIGKILL in the middle of a round: the restart goes on from the last page written, and the result is the same', async () => {
    const db = join(dir, 'killed.db');
    const pageSize = 25;
    await gateway.emulator.admin.setRealism({ latencyMs: 100 });
    const run = mirror(args(db, '--page-size', String(pageSize)));
    try {
      // Kill it once a few pages of the inbox are committed (read from the file, as any reader would).
      await until('three committed inbox pages', () => {
        try {
          return cursors(db).find((c) => c.scope === 'inbox' && c.phase === 'round' && c.pages >= 3);
        } catch {
          return undefined; // the file or its tables are not there yet
        }
      });
      run.child.kill('SIGKILL');
      expect(await run.exited).toBe('SIGKILL');
    } finally {
      await gateway.emulator.admin.setRealism({ latencyMs: 0 });
    }
    // What the kill left: staged inbox rows exactly as many as the committed cursor says.
    const killed = cursors(db).find((c) => c.scope === 'inbox');
    expect(killed?.phase).toBe('round');
    const staged = new Database(db, { readonly: true });
    expect((staged.prepare("SELECT count(*) AS n FROM messages_staging WHERE scope = 'inbox'").get() as { n: number }).n).toBe(killed?.items);
    staged.close();

    await gateway.clearGraphRequests();
    await mirrorOnce(db, '--page-size', String(pageSize));
    const restartRequests = await gateway.graphRequests();
    const expected = await emulatorData();
    expect(mirrored(db)).toEqual(expected);
    // The inbox round was continued, not restarted, and no page was read twice: the round's pages in
    // the cursor table add up to exactly the pages an uninterrupted round of this size has.
    expect(messageDeltas(restartRequests, 'inbox').filter(isInitial)).toEqual([]);
    expect(messageDeltas(restartRequests, 'inbox').length).toBeGreaterThan(0);
    const inbox = cursors(db).find((c) => c.scope === 'inbox');
    expect(inbox).toMatchObject({ phase: 'changes', round: 1, pages: Math.ceil(Object.keys(expected['inbox'] ?? {}).length / pageSize), items: Object.keys(expected['inbox'] ?? {}).length });
  });

  it('--watch keeps the database in sync through messagesChanged, across a resync, until stopped', async () => {
    const db = join(dir, 'watch.db');
    const run = mirror(args(db, '--watch'));
    try {
      await until('the watching line', () => run.output().includes('watching'), 60_000);
      const prefer = ['IdType="ImmutableId"'];
      const created = await gateway.emulator.admin.createMessage('inbox', { subject: 'watched' }, { prefer });
      await until('the created message', () => mirrored(db)['inbox']?.[created.id]?.subject === 'watched');
      await gateway.emulator.admin.updateMessage(created.id, { isRead: true }, { prefer });
      await until('the update', () => mirrored(db)['inbox']?.[created.id]?.isRead === true);
      await gateway.emulator.admin.moveMessage(created.id, 'archive', { prefer });
      await until('the move', () => mirrored(db)['archive']?.[created.id] && !mirrored(db)['inbox']?.[created.id]);
      const calendar = await gateway.emulator.admin.createCalendar({ name: 'watched calendar' });
      await until('the calendar (calendarsChanged)', () => mirroredCalendars(db)[calendar.id] === 'watched calendar');
      await gateway.emulator.admin.expireTokens({ all: true, code: 'resyncRequired' });
      await until('a new round after RESYNC_REQUIRED', () => cursors(db).every((c) => c.round === 2 && c.phase === 'changes'), 60_000);
      await gateway.emulator.admin.deleteMessage(created.id, { prefer });
      await until('the delete', () => !mirrored(db)['archive']?.[created.id]);
      expect(mirrored(db)).toEqual(await emulatorData());
      expect(mirroredCalendars(db)).toEqual(await emulatorCalendars());
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      expect(run.output()).toMatch(/mirror: stopped: inbox \d+, archive \d+, drafts \d+ messages; \d+ calendars in /);
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
    }
  });
});
