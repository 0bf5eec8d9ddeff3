import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_TENANT_ID, DEMO_USER, SECOND_USER } from '../../src/emulator/index.js';
import { allMailFolders, emulatorFor, graph, readRound, type RunningEmulator } from '../helpers/emulator.js';

describe('npm run emulator (tsx src/emulator/main.ts)', () => {
  it('starts on the given port, prints its URL and a ready token for the demo user, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/emulator/main.ts', '--port', '0', '--messages', '50'], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: { ...process.env, EMULATOR_PORT: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      child.stdout.on('data', (d) => (out += String(d)));
      const deadline = Date.now() + 20_000;
      while (!/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/m.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      const token = /^(eyJ[\w-]+\.[\w-]+\.[\w-]+)$/m.exec(out)?.[1];
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(token).toBeDefined();
      const me = await fetch(`${url}/v1.0/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(((await me.json()) as { id: string }).id).toBe(DEMO_USER.id);
      const folders = await allMailFolders(url as string, token as string);
      expect(folders.reduce((n, f) => n + f.totalItemCount, 0)).toBe(50);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });

  it('refuses a bad port with a message', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/emulator/main.ts'], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: { ...process.env, EMULATOR_PORT: 'eighty' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => (err += String(d)));
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(err).toContain('invalid port');
  });
});

describe('seed', () => {
  let emu: RunningEmulator;
  let token: string;
  beforeAll(async () => {
    emu = await emulatorFor();
    token = await emu.admin.token();
  });
  afterAll(() => emu.close());

  it('the demo tenant: two users, calendars incl. a shared one, events, contact folders with contacts, ~1,000 messages', async () => {
    const users = await emu.admin.users();
    expect(users.tenantId).toBe(DEMO_TENANT_ID);
    expect(users.value.map((u) => u.id).sort()).toEqual([DEMO_USER.id, SECOND_USER.id].sort());
    const cals = await graph(emu, '/v1.0/me/calendars', { token });
    expect(cals.body.value.some((c: any) => c.isSharedWithMe)).toBe(true);
    const view = await readRound(emu, '/v1.0/me/calendarView/delta?startDateTime=2023-12-01T00:00:00Z&endDateTime=2024-12-01T00:00:00Z', token, 'odata.maxpagesize=1000');
    expect(view.items.filter((e) => e.type !== 'occurrence').length).toBeGreaterThan(100);
    // Graph lists the folders under the default Contacts folder; the default one is `contactFolders/contacts`.
    const cf = await graph(emu, '/v1.0/me/contactFolders', { token });
    expect(cf.body.value.length).toBeGreaterThan(0);
    const contacts = await readRound(emu, '/v1.0/me/contactFolders/contacts/contacts/delta', token, 'odata.maxpagesize=500');
    expect(contacts.items.length).toBeGreaterThan(10);
    const mf = { body: { value: await allMailFolders(emu.url, token) } };
    const total = mf.body.value.reduce((n: number, f: any) => n + f.totalItemCount, 0);
    expect(total).toBeGreaterThanOrEqual(900);
    expect(mf.body.value.map((f: any) => f.wellKnownName).filter(Boolean).sort()).toEqual(['archive', 'deleteditems', 'drafts', 'inbox', 'sentitems']);
  });

  it('is deterministic: the same seed gives the same ids', async () => {
    const a = (await readRound(emu, '/v1.0/me/mailFolders/inbox/messages/delta?$select=subject', token, 'odata.maxpagesize=1000')).items.map((m) => m.id);
    await emu.admin.reset();
    const b = (await readRound(emu, '/v1.0/me/mailFolders/inbox/messages/delta?$select=subject', token, 'odata.maxpagesize=1000')).items.map((m) => m.id);
    expect(b).toEqual(a);
  });

  it('reset takes a size for benchmarks, and the empty preset', async () => {
    await emu.admin.reset({ messages: 5000 });
    const mf = await allMailFolders(emu.url, token);
    expect(mf.reduce((n: number, f: any) => n + f.totalItemCount, 0)).toBe(5000);
    await emu.admin.reset({ seed: 'empty' });
    const empty = await graph(emu, '/v1.0/me/mailFolders', { token });
    expect(empty.body.value.reduce((n: number, f: any) => n + f.totalItemCount, 0)).toBe(0);
    expect((await graph(emu, '/_emulator/reset', { method: 'POST', body: { seed: 'huge' } })).status).toBe(400);
    expect((await graph(emu, '/_emulator/reset', { method: 'POST', body: { messages: -1 } })).status).toBe(400);
    await emu.admin.reset();
  });

  it('startEmulator takes seed options', async () => {
    const small = await emulatorFor({ seed: { preset: 'demo', messages: 30 } });
    try {
      const t = await small.admin.token();
      const mf = await allMailFolders(small.url, t);
      expect(mf.reduce((n: number, f: any) => n + f.totalItemCount, 0)).toBe(30);
    } finally {
      await small.close();
    }
  });
});
