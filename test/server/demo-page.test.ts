import { afterEach, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

// Outside demo mode (a gateway in front of a Graph, pass-through auth). The page in demo mode, with
// its simulate bar, is tested in a browser: test/demo/live-page.test.ts.
describe('the live mailbox page outside demo mode', () => {
  let gateway: TestGateway | undefined;
  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
  });
  const get = async (path: string, init?: RequestInit) => fetch(`${gateway!.url}${path}`, init);

  it('is not served unless DEMO_PAGE=true', async () => {
    gateway = await startGateway();
    expect((await get('/demo')).status).toBe(404);
    expect((await get('/demo/app.js')).status).toBe(404);
    expect((await get('/demo/simulate', { method: 'POST', body: '{"action":"newMail"}' })).status).toBe(404);
  });

  it('with DEMO_PAGE=true: at /demo only, from this origin alone, and without the simulate route', async () => {
    gateway = await startGateway({ env: { DEMO_PAGE: 'true' } });
    const page = await get('/demo');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'.*connect-src 'self'/);
    const html = await page.text();
    for (const src of html.matchAll(/(?:src|href)="([^"]+)"/g)) {
      const url = src[1]!;
      if (url.startsWith('data:') || url.startsWith('#')) continue;
      expect(url.startsWith('/'), url).toBe(true);
      if (url.startsWith('/demo/')) expect((await get(url)).status, url).toBe(200);
    }
    expect(await (await get('/demo/graphql-sse.js')).text()).toContain('graphqlSse');
    expect(await (await get('/demo/settings.json')).json()).toEqual({ demo: false, simulate: false, graphqlPath: '/graphql' });
    expect((await get('/')).status).toBe(404);
    expect((await get('/demo/simulate', { method: 'POST', body: '{"action":"newMail"}' })).status).toBe(404);
    // GraphQL itself is untouched.
    expect((await gateway.data('{ __typename }')).__typename).toBe('Query');
  });
});
