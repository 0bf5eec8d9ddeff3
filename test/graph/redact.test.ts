import { describe, expect, it } from 'vitest';
import { redactUrl, scrubText } from '../../src/graph/redact.js';

describe('redactUrl', () => {
  it.each([
    ['https://graph.microsoft.com/v1.0/me/messages/delta?$skiptoken=abc', 'https://graph.microsoft.com/v1.0/me/messages/delta?$skiptoken=[redacted]'],
    ['https://g/v1.0/x/delta?$deltatoken=abc&$select=id', 'https://g/v1.0/x/delta?$deltatoken=[redacted]&$select=id'],
    ['https://g/x?a=1&%24deltaToken=abc#f', 'https://g/x?a=1&%24deltaToken=[redacted]#f'],
    ['https://g/x?$SkipToken=abc', 'https://g/x?$SkipToken=[redacted]'],
    ['https://g/x?deltatoken=abc', 'https://g/x?deltatoken=[redacted]'],
    ['https://g/x?skiptoken=abc&deltatoken=def', 'https://g/x?skiptoken=[redacted]&deltatoken=[redacted]'],
    ['https://user:pw@g/x', 'https://[redacted]@g/x'],
    ['https://g/me/calendarView/delta?startDateTime=2025-01-01', 'https://g/me/calendarView/delta?startDateTime=2025-01-01'],
  ])('%s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});

describe('scrubText', () => {
  it('removes URLs, state tokens, bearer tokens, JWTs and given secrets', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4eXoifQ.c2lnbmF0dXJl';
    const text = `See https://graph.microsoft.com/v1.0/me?$skiptoken=S1 or $deltatoken=D1; Bearer abc.def; ${jwt}; secret-value-123`;
    const out = scrubText(text, ['secret-value-123']);
    for (const s of ['graph.microsoft.com', 'S1', 'D1', 'abc.def', jwt, 'secret-value-123']) expect(out).not.toContain(s);
    expect(out).toContain('[url]');
  });
  it('keeps ordinary messages and caps their length', () => {
    expect(scrubText("Parameter '$select' is not supported.")).toBe("Parameter '$select' is not supported.");
    expect(scrubText('x'.repeat(1000)).length).toBe(300);
  });
});
