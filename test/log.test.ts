import { describe, expect, it } from 'vitest';
import { createLogger, redactUrl } from '../src/log.js';

function capture(level: Parameters<typeof createLogger>[0] = 'info') {
  const lines: string[] = [];
  const logger = createLogger(level, { destination: { write: (line: string) => void lines.push(line) } });
  return { logger, lines, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

const TOKEN = 'RFNwdAIAAQAAAD8AAAA7MDAwMDAwMDAtMDAwMC0wMDAwLWM2YmYtYjU2ODQ3ODQ5ZDYxQG';

describe('redactUrl', () => {
  it.each([
    [`https://graph.microsoft.com/v1.0/me/messages/delta?$skiptoken=${TOKEN}`, 'https://graph.microsoft.com/v1.0/me/messages/delta?$skiptoken=[redacted]'],
    [`https://graph.microsoft.com/v1.0/me/contacts/delta?$deltatoken=${TOKEN}&$select=id`, 'https://graph.microsoft.com/v1.0/me/contacts/delta?$deltatoken=[redacted]&$select=id'],
    [`https://x/beta/me/calendars/delta?$DeltaToken=${TOKEN}`, 'https://x/beta/me/calendars/delta?$DeltaToken=[redacted]'],
    [`https://x/v1.0/me/calendarView/delta?startDateTime=2025-01-01&SKIPTOKEN=${TOKEN}#frag`, 'https://x/v1.0/me/calendarView/delta?startDateTime=2025-01-01&SKIPTOKEN=[redacted]#frag'],
    [`https://x/v1.0/me/events/delta?deltatoken=${TOKEN}`, 'https://x/v1.0/me/events/delta?deltatoken=[redacted]'],
    [`https://x/v1.0/me/events/delta?token=${TOKEN}&a=1`, 'https://x/v1.0/me/events/delta?token=[redacted]&a=1'],
    [`https://x/v1.0/me/messages/delta?%24skiptoken=${TOKEN}`, 'https://x/v1.0/me/messages/delta?%24skiptoken=[redacted]'],
    [`https://x/v1.0/me/drive/root/delta(token='${TOKEN}')`, "https://x/v1.0/me/drive/root/delta(token=[redacted])"],
    [`https://login/x#access_token=${TOKEN}&state=1`, 'https://login/x#access_token=[redacted]&state=1'],
    ['https://graph.microsoft.com/v1.0/me/messages/delta?$select=id,subject', 'https://graph.microsoft.com/v1.0/me/messages/delta?$select=id,subject'],
    ['/v1.0/me/messages?mytoken=keep&tokens=keep', '/v1.0/me/messages?mytoken=keep&tokens=keep'],
  ])('%s', (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
    expect(redactUrl(input)).not.toContain(TOKEN);
  });

  it('redacts every link inside free text and accepts URL objects', () => {
    const text = `failed on https://a/x?$skiptoken=${TOKEN} then "https://a/y?$deltatoken=${TOKEN}"`;
    expect(redactUrl(text)).toBe('failed on https://a/x?$skiptoken=[redacted] then "https://a/y?$deltatoken=[redacted]"');
    expect(redactUrl(new URL(`https://a/x?$skiptoken=${TOKEN}`))).toBe('https://a/x?$skiptoken=[redacted]');
  });
});

describe('createLogger', () => {
  it('writes JSON lines at and above its level only', () => {
    const { logger, records } = capture('warn');
    logger.info('hidden');
    logger.warn('shown');
    expect(records().map((r) => r.msg)).toEqual(['shown']);
    expect(records()[0]?.name).toBe('delta-gateway');
  });

  it('censors authorization headers and token fields', () => {
    const { logger, lines, records } = capture();
    logger.info(
      {
        req: { headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/json' } },
        headers: { Authorization: `Bearer ${TOKEN}` },
        connectionParams: { authorization: `Bearer ${TOKEN}` },
        token: TOKEN,
        auth: { accessToken: TOKEN, refresh_token: TOKEN, clientSecret: TOKEN },
      },
      'request',
    );
    expect(lines.join('')).not.toContain(TOKEN);
    const [record] = records();
    expect(record?.req).toEqual({ headers: { authorization: '[redacted]', accept: 'application/json' } });
    expect(record?.token).toBe('[redacted]');
  });

  it('redacts Graph links in link fields, messages and errors', () => {
    const { logger, lines, records } = capture();
    const link = `https://graph.microsoft.com/v1.0/me/messages/delta?$deltatoken=${TOKEN}`;
    logger.info({ url: link, nextLink: link, deltaLink: new URL(link), status: 200 }, 'fetched');
    logger.warn(`following ${link}`);
    logger.error({ err: new Error(`GET ${link} failed`) }, 'upstream');
    logger.error(new Error(`GET ${link} failed`));
    expect(lines.join('')).not.toContain(TOKEN);
    const [first, second, third] = records();
    expect(first?.url).toBe('https://graph.microsoft.com/v1.0/me/messages/delta?$deltatoken=[redacted]');
    expect(first?.status).toBe(200);
    expect(second?.msg).toBe('following https://graph.microsoft.com/v1.0/me/messages/delta?$deltatoken=[redacted]');
    expect((third?.err as { message: string }).message).toContain('$deltatoken=[redacted]');
  });
});
