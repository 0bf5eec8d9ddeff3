// The values of AUTH_API_KEYS and AUTH_APP_CALLERS, parsed where the configuration is read; auth/ verifies callers against them.

/** One entry of `AUTH_API_KEYS`: a caller's name, the SHA-256 of its key, and the mailboxes it may read. */
export interface ApiKeyEntry {
  readonly name: string;
  /** SHA-256 of the key, lowercase hex. The key itself is never configured. */
  readonly sha256: string;
  /** Mailboxes (`userId` values, compared case-insensitively) this caller may read; undefined = any. */
  readonly mailboxes: readonly string[] | undefined;
}

/** An allow-listed JWT caller of app mode (`AUTH_APP_CALLERS`): its object id and mailboxes. */
export interface AppCallerEntry {
  readonly objectId: string;
  readonly mailboxes: readonly string[] | undefined;
}

const NAME = /^[A-Za-z0-9._-]{1,64}$/;
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

function mailboxesOf(value: string | undefined): readonly string[] | undefined | Error {
  if (value === undefined || value.trim() === '*') return undefined;
  const list = value
    .split('|')
    .map((mailbox) => mailbox.trim())
    .filter((mailbox) => mailbox !== '');
  return list.length === 0 ? new Error('the mailbox list after the second colon is empty (omit it, or use * for any mailbox)') : list;
}

/**
 * Parses `AUTH_API_KEYS`: comma-separated `name:sha256hex[:mailbox1|mailbox2]`. Returns the
 * entries and a message per bad entry (entries are named by position: they hold hashes).
 */
export function parseApiKeys(value: string): { entries: ApiKeyEntry[]; problems: string[] } {
  const entries: ApiKeyEntry[] = [];
  const problems: string[] = [];
  const names = new Set<string>();
  value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .forEach((entry, index) => {
      const [name = '', hash = '', mailboxList, ...extra] = entry.split(':');
      const where = `entry #${index + 1}`;
      if (extra.length > 0) return void problems.push(`${where} has more than three colon-separated parts; expected name:sha256hex[:mailbox1|mailbox2]`);
      if (!NAME.test(name)) return void problems.push(`${where}: the name must be 1-64 letters, digits, '.', '_' or '-'`);
      if (!SHA256_HEX.test(hash)) {
        return void problems.push(`${where} (${name}): expected the SHA-256 of the key as 64 hex digits (e.g. \`printf %s "$KEY" | sha256sum\`), not the key itself`);
      }
      if (names.has(name)) return void problems.push(`${where}: the name ${name} is used twice`);
      const mailboxes = mailboxesOf(mailboxList);
      if (mailboxes instanceof Error) return void problems.push(`${where} (${name}): ${mailboxes.message}`);
      names.add(name);
      entries.push({ name, sha256: hash.toLowerCase(), mailboxes });
    });
  return { entries, problems };
}

/** Parses `AUTH_APP_CALLERS`: comma-separated `objectId[:mailbox1|mailbox2]`. */
export function parseAppCallers(value: string): { entries: AppCallerEntry[]; problems: string[] } {
  const entries: AppCallerEntry[] = [];
  const problems: string[] = [];
  value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .forEach((entry, index) => {
      const [objectId = '', mailboxList, ...extra] = entry.split(':');
      if (extra.length > 0) return void problems.push(`entry #${index + 1} has more than two colon-separated parts; expected objectId[:mailbox1|mailbox2]`);
      if (!/^[0-9a-fA-F-]{36}$/.test(objectId)) return void problems.push(`entry #${index + 1}: expected the caller's object id (a GUID), got ${JSON.stringify(objectId.slice(0, 40))}`);
      const mailboxes = mailboxesOf(mailboxList);
      if (mailboxes instanceof Error) return void problems.push(`entry #${index + 1}: ${mailboxes.message}`);
      entries.push({ objectId: objectId.toLowerCase(), mailboxes });
    });
  return { entries, problems };
}
