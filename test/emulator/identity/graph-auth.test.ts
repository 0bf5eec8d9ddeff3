import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_TENANT_ID, DEMO_USER, SECOND_USER } from '../../../src/emulator/index.js';
import { emulatorFor, graph, type RunningEmulator } from '../../helpers/emulator.js';

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await emulatorFor({ seed: 'demo' });
});
afterAll(() => emu.close());

const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString('utf8'));
const INBOX = '/v1.0/me/mailFolders/inbox/messages/delta';

describe('tokens minted by the admin API', () => {
  it('delegated tokens are RS256 JWTs with tid, oid, upn, scp and Graph audience', async () => {
    const minted = await emu.admin.mintToken();
    expect(minted.token_type).toBe('Bearer');
    expect(minted.expires_in).toBe(3600);
    const header = JSON.parse(Buffer.from(minted.access_token.split('.')[0] as string, 'base64url').toString('utf8'));
    expect(header.alg).toBe('RS256');
    const c = claims(minted.access_token);
    expect(c).toMatchObject({ tid: DEMO_TENANT_ID, oid: DEMO_USER.id, upn: DEMO_USER.userPrincipalName, aud: 'https://graph.microsoft.com' });
    expect(c.scp).toContain('Mail.ReadWrite');
    expect(c.exp - c.iat).toBe(3600);
  });

  it('app-only tokens carry roles and idtyp app', async () => {
    const c = claims(await emu.admin.token({ appOnly: true, roles: ['Mail.Read'] }));
    expect(c).toMatchObject({ tid: DEMO_TENANT_ID, idtyp: 'app', roles: ['Mail.Read'] });
    expect(c.upn).toBeUndefined();
    expect(c.scp).toBeUndefined();
  });

  it('the signing key is published as JWKS', async () => {
    const res = await graph(emu, '/_emulator/jwks');
    expect(res.body.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
  });

  it('a token for a user given by UPN is that user', async () => {
    const t = await emu.admin.token({ user: SECOND_USER.userPrincipalName });
    const me = await graph(emu, '/v1.0/me', { token: t });
    expect(me.body.id).toBe(SECOND_USER.id);
  });
});

describe('401 InvalidAuthenticationToken', () => {
  it.each([
    ['no header', undefined],
    ['empty bearer', 'Bearer '],
    ['not bearer', 'Basic dXNlcjpwYXNz'],
    ['not a JWT', 'Bearer abc'],
    ['bad signature', 'forged'],
    ['expired', 'expired'],
    ['other tenant', 'tenant'],
  ])('%s', async (_name, auth) => {
    let header = auth;
    if (auth === 'forged') {
      const real = await emu.admin.token();
      const [h, p] = real.split('.');
      header = `Bearer ${h}.${p}.${Buffer.from('not the signature').toString('base64url')}`;
    } else if (auth === 'expired') header = `Bearer ${await emu.admin.token({ expiresIn: -120 })}`;
    else if (auth === 'tenant') header = `Bearer ${await emu.admin.token({ tenantId: '00000000-0000-0000-0000-000000000001' })}`;
    const res = await graph(emu, INBOX, header === undefined ? {} : { headers: { authorization: header } });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('InvalidAuthenticationToken');
    expect(res.headers['www-authenticate']).toContain('Bearer');
  });

  it('a token from another emulator instance is refused', async () => {
    const other = await emulatorFor({ seed: 'empty' });
    try {
      const foreign = await other.admin.token();
      expect((await graph(emu, INBOX, { token: foreign })).status).toBe(401);
    } finally {
      await other.close();
    }
  });
});

describe('403 and permissions', () => {
  it("a delegated token cannot read another user's mailbox without .Shared scopes", async () => {
    const t = await emu.admin.token();
    const res = await graph(emu, `/v1.0/users/${SECOND_USER.id}/mailFolders/inbox/messages/delta`, { token: t });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('ErrorAccessDenied');
    const shared = await emu.admin.token({ scopes: ['Mail.Read.Shared'] });
    expect((await graph(emu, `/v1.0/users/${SECOND_USER.id}/mailFolders/inbox/messages/delta`, { token: shared })).status).toBe(200);
  });

  it('a delegated token without the scope of the resource is refused', async () => {
    const t = await emu.admin.token({ scopes: ['Calendars.Read'] });
    expect((await graph(emu, INBOX, { token: t })).status).toBe(403);
    expect((await graph(emu, '/beta/me/calendars/delta', { token: t })).status).toBe(200);
    const write = await graph(emu, '/v1.0/me/calendars', { token: t, method: 'POST', body: { name: 'x' } });
    expect(write.status).toBe(403);
  });

  it('app-only needs the role and /users/{id}; /me is a 400', async () => {
    const mail = await emu.admin.token({ appOnly: true, roles: ['Mail.Read'] });
    expect((await graph(emu, `/v1.0/users/${SECOND_USER.id}/mailFolders/inbox/messages/delta`, { token: mail })).status).toBe(200);
    expect((await graph(emu, `/v1.0/users/${SECOND_USER.id}/calendarView/delta?startDateTime=2024-06-01&endDateTime=2024-06-02`, { token: mail })).status).toBe(403);
    const me = await graph(emu, INBOX, { token: mail });
    expect(me.status).toBe(400);
    expect(me.body.error.message).toContain('/me');
  });

  it('unknown users are 404 ErrorItemNotFound', async () => {
    const app = await emu.admin.token({ appOnly: true });
    const res = await graph(emu, '/v1.0/users/nobody@contoso.example/mailFolders/inbox/messages/delta', { token: app });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('ErrorItemNotFound');
  });
});

describe('Graph-shaped answers', () => {
  it('every answer carries a request-id header; errors carry it in innerError with a date', async () => {
    const ok = await graph(emu, '/v1.0/me', { token: await emu.admin.token() });
    expect(ok.headers['request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const bad = await graph(emu, '/v1.0/me');
    expect(bad.headers['request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(bad.body).toEqual({
      error: {
        code: 'InvalidAuthenticationToken',
        message: expect.any(String),
        innerError: { 'request-id': bad.headers['request-id'], 'client-request-id': bad.headers['request-id'], date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/) },
      },
    });
    const admin = await graph(emu, '/_emulator/realism');
    expect(admin.headers['request-id']).toBeDefined();
  });

  it('echoes client-request-id', async () => {
    const res = await graph(emu, '/v1.0/me', { headers: { 'client-request-id': 'abc-123' } });
    expect(res.headers['client-request-id']).toBe('abc-123');
  });
});
