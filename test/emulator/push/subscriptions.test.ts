import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USER, startEmulator, type RunningEmulator } from '../../../src/emulator/index.js';
import { graph } from '../../helpers/emulator.js';
import { startReceiver, type NotificationReceiver } from '../../helpers/notification-receiver.js';
import { until } from '../../helpers/subscription-harness.js';

const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();

describe('emulator: change notifications (SPEC §12)', () => {
  let emu: RunningEmulator;
  let rx: NotificationReceiver;
  let token: string;
  const body = (over: Record<string, unknown> = {}) => ({
    changeType: 'created,updated,deleted',
    notificationUrl: `${rx.url}/notifications`,
    lifecycleNotificationUrl: `${rx.url}/notifications/lifecycle`,
    resource: "me/mailFolders('inbox')/messages",
    expirationDateTime: inMinutes(60),
    clientState: 'x'.repeat(40),
    ...over,
  });
  const create = (over: Record<string, unknown> = {}, t = token) => graph(emu, '/v1.0/subscriptions', { method: 'POST', token: t, body: body(over) });

  beforeAll(async () => {
    emu = await startEmulator({ seed: { preset: 'demo', messages: 5 } });
    rx = await startReceiver();
    token = await emu.admin.token();
  });
  afterAll(async () => {
    await rx.close();
    await emu.close();
  });
  afterEach(async () => {
    for (const sub of await emu.push.subscriptions()) await graph(emu, `/v1.0/subscriptions/${sub.id}`, { method: 'DELETE', token });
    await emu.push.resetSettings();
    await emu.push.clearDeliveries();
    rx.posts.length = 0;
    rx.mode = 'echo';
  });

  it('validates both URLs with a URL-encoded token, then answers 201 with the subscription', async () => {
    const res = await create();
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ resource: "me/mailFolders('inbox')/messages", changeType: 'created,updated,deleted', clientState: 'x'.repeat(40), latestSupportedTlsVersion: 'v1_2', includeResourceData: false });
    expect(typeof res.body.id).toBe('string');
    const validations = rx.posts.filter((p) => p.validationToken !== null);
    expect(validations.map((p) => p.path)).toEqual(['/notifications', '/notifications/lifecycle']);
    expect(validations[0]?.validationToken).toMatch(/^Validation: .+Request-Id: /);
    expect(validations[0]?.contentType).toMatch(/^text\/plain/);
    // Graph's list never shows clientState.
    const list = await graph(emu, '/v1.0/subscriptions', { token });
    expect(list.body.value.map((s: { id: string; clientState: unknown }) => [s.id, s.clientState])).toEqual([[res.body.id, null]]);
  });

  it('a failed handshake creates nothing: wrong echo, wrong content type, timeout, nobody listening', async () => {
    rx.mode = 'wrong';
    expect((await create()).body.error.code).toBe('ValidationError');
    rx.mode = 'html';
    expect((await create()).status).toBe(400);
    rx.mode = 'silent';
    await emu.push.settings({ validationTimeoutMs: 200 });
    const timedOut = await create();
    expect(timedOut.body.error).toMatchObject({ code: 'InvalidRequest', message: 'Subscription validation request timed out.' });
    rx.mode = 'echo';
    const refused = await create({ notificationUrl: 'http://127.0.0.1:1/notifications' });
    expect(refused.body.error.code).toBe('ValidationError');
    expect(await emu.push.subscriptions()).toEqual([]);
  });

  it("checks the body as Graph does", async () => {
    const bad = async (over: Record<string, unknown>) => (await create(over)).status;
    expect(await bad({ changeType: 'created,moved' })).toBe(400);
    expect(await bad({ notificationUrl: 'http://example.com/n' })).toBe(400);
    expect((await create({ notificationUrl: 'http://example.com/n' })).body.error.message).toBe("NotificationUrl scheme='http' is not supported.");
    expect(await bad({ clientState: 'y'.repeat(129) })).toBe(400);
    expect(await bad({ resource: 'me/mailFolders' })).toBe(400);
    expect(await bad({ resource: "me/mailFolders('No Such Folder')/messages" })).toBe(400);
    expect(await bad({ resource: 'https://graph.microsoft.com/v1.0/me/messages' })).toBe(400);
    expect(await bad({ resource: 'me/calendars' })).toBe(400);
    const tooFar = await create({ expirationDateTime: inMinutes(10_071) });
    expect(tooFar.body.error.message).toBe('Subscription expiration can only be 10070 minutes in the future.');
    // Less than 45 minutes ahead is raised to 45.
    const soon = await create({ expirationDateTime: inMinutes(1) });
    expect(Date.parse(soon.body.expirationDateTime) - Date.now()).toBeGreaterThan(44 * 60_000);
    // Same resource and changeType again: 409.
    const again = await create({ expirationDateTime: inMinutes(60) });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'ObjectIdentifierInUse', message: `Subscription Id ${soon.body.id} already exists for the requested combination` });
    // Every Outlook resource form is accepted.
    for (const resource of ['me/messages', 'me/events', `users/${DEMO_USER.id}/contacts`, '/me/mailFolders/sentitems/messages']) {
      expect((await create({ resource })).status, resource).toBe(201);
    }
    // Two spellings of the default contact folder are one resource.
    expect((await create({ resource: "me/contactFolders('contacts')/contacts" })).status).toBe(409);
  });

  it('PATCH renews, DELETE removes, reauthorize answers 204, unknown ids 404', async () => {
    const { body: sub } = await create();
    const renewed = await graph(emu, `/v1.0/subscriptions/${sub.id}`, { method: 'PATCH', token, body: { expirationDateTime: inMinutes(120) } });
    expect(renewed.status).toBe(200);
    expect(Date.parse(renewed.body.expirationDateTime)).toBeGreaterThan(Date.parse(sub.expirationDateTime));
    const empty = await graph(emu, `/v1.0/subscriptions/${sub.id}`, { method: 'PATCH', token, body: {} });
    expect(empty.body.error.message).toBe("Subscription must contain either the 'expirationDateTime' or 'notificationUrl' property and its value.");
    expect((await graph(emu, `/v1.0/subscriptions/${sub.id}/reauthorize`, { method: 'POST', token })).status).toBe(204);
    expect((await graph(emu, `/v1.0/subscriptions/${sub.id}`, { method: 'DELETE', token })).status).toBe(204);
    expect((await graph(emu, `/v1.0/subscriptions/${sub.id}`, { method: 'PATCH', token, body: { expirationDateTime: inMinutes(120) } })).status).toBe(404);
  });

  it('notifies covered changes in Graph\'s shape, several close together in one POST; not other folders', async () => {
    // A wide batching window, so that three writes in a row share a POST even on a loaded machine.
    await emu.push.settings({ batchWindowMs: 500 });
    const { body: sub } = await create();
    rx.posts.length = 0;
    const a = await emu.admin.createMessage('inbox', { subject: 'a' });
    await emu.admin.createMessage('sentitems', { subject: 'elsewhere' });
    await emu.admin.updateMessage(a.id, { isRead: true });
    await emu.admin.deleteMessage(a.id);
    await until(() => rx.items().length >= 3, 'three notifications');
    const items = rx.items();
    expect(items.map((i) => i['changeType'])).toEqual(['created', 'updated', 'deleted']);
    expect(items[0]).toMatchObject({
      subscriptionId: sub.id,
      clientState: 'x'.repeat(40),
      tenantId: expect.any(String),
      resource: `Users/${DEMO_USER.id}/Messages/${a.id}`,
      resourceData: { '@odata.type': '#Microsoft.Graph.Message', id: a.id },
    });
    expect(typeof items[0]?.['subscriptionExpirationDateTime']).toBe('string');
    // Written back to back: fewer POSTs than changes.
    expect(rx.posts.filter((p) => p.validationToken === null).length).toBeLessThan(3);
    const deliveries = await emu.push.deliveries();
    expect(deliveries.filter((d) => d.kind === 'change').every((d) => d.status === 202 && d.outcome === 'ok')).toBe(true);
  });

  it('drops the next n notifications, sends lifecycle events, holds notifications until reauthorization, expires', async () => {
    const { body: sub } = await create();
    rx.posts.length = 0;
    await emu.push.drop(1);
    await emu.admin.createMessage('inbox', { subject: 'lost' });
    await until(async () => (await emu.push.deliveries()).some((d) => d.outcome === 'dropped'), 'a dropped delivery');
    expect(rx.items()).toEqual([]);

    expect(await emu.push.lifecycle('missed')).toBe(1);
    await until(() => rx.posts.some((p) => p.path === '/notifications/lifecycle' && p.validationToken === null), 'a lifecycle POST');
    const life = JSON.parse(rx.posts.find((p) => p.path === '/notifications/lifecycle' && p.validationToken === null)!.body).value[0];
    expect(life).toMatchObject({ subscriptionId: sub.id, lifecycleEvent: 'missed', clientState: 'x'.repeat(40), tenantId: expect.any(String) });
    expect(life.changeType).toBeUndefined();

    await emu.push.lifecycle('reauthorizationRequired', { subscriptionId: sub.id });
    await emu.admin.createMessage('inbox', { subject: 'held' });
    await new Promise((r) => setTimeout(r, 100));
    expect(rx.items().filter((i) => i['changeType'])).toEqual([]);
    await graph(emu, `/v1.0/subscriptions/${sub.id}/reauthorize`, { method: 'POST', token });
    await until(() => rx.items().some((i) => i['changeType'] === 'created'), 'the held notification');

    await emu.push.lifecycle('subscriptionRemoved', { subscriptionId: sub.id });
    expect(await emu.push.subscriptions()).toEqual([]);

    await emu.push.settings({ maxLifetimeMinutes: 0.005, minLifetimeMinutes: 0 });
    const short = await create({ expirationDateTime: new Date(Date.now() + 200).toISOString() });
    expect(short.status).toBe(201);
    await until(async () => (await emu.push.subscriptions()).length === 0, 'expiry');
  });
});
