// npm run mirror -- --to mirror.db [--folders inbox,sentitems] [--resources messages,calendars] [--watch] [--url …] [--token …] [--page-size n]
//
// Mirrors mailboxes into SQLite through the gateway's public GraphQL API (a reference client: it
// imports nothing of the gateway). See database.ts for the one-transaction-per-page guarantee.
import { parseArgs } from 'node:util';
import { openMirrorDatabase } from './database.js';
import { createGatewayClient, GraphQLFailure, type GatewayClient } from './graphql-client.js';
import { createProgress } from './progress.js';
import { MAILBOX_SCOPE, MESSAGES, RESOURCES, type MirrorResource } from './resources.js';
import { labelOf, syncScope, watchScope } from './scope-sync.js';

const WELL_KNOWN_FOLDERS = ['inbox', 'sentitems', 'drafts', 'deleteditems', 'archive'];
const USAGE = 'usage: npm run mirror -- --to mirror.db [--folders inbox,sentitems] [--resources messages,calendars] [--watch] [--url http://localhost:4000/graphql] [--token <bearer>] [--page-size 100]';

function fail(message: string, code = 1): never {
  process.stderr.write(`mirror: ${message}\n`);
  process.exit(code);
}

function readOptions() {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        to: { type: 'string' },
        folders: { type: 'string' },
        resources: { type: 'string', default: 'messages,calendars' },
        watch: { type: 'boolean', default: false },
        url: { type: 'string', default: 'http://localhost:4000/graphql' },
        token: { type: 'string' },
        'page-size': { type: 'string', default: '100' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }).values;
  } catch (error) {
    fail(`${(error as Error).message}\n${USAGE}`, 2);
  }
  if (parsed.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (!parsed.to) fail(`--to is required\n${USAGE}`, 2);
  const pageSize = Number(parsed['page-size']);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) fail('--page-size must be an integer from 1 to 1000', 2);
  let url: URL;
  try {
    url = new URL(parsed.url);
  } catch {
    fail(`--url is not a URL: ${parsed.url}`, 2);
  }
  const folders = parsed.folders?.split(',').map((f) => f.trim()).filter((f) => f !== '');
  const resources = parsed.resources.split(',').map((r) => r.trim()).filter((r) => r !== '');
  const unknown = resources.filter((r) => !(r in RESOURCES));
  if (resources.length === 0 || unknown.length > 0) fail(`--resources takes ${Object.keys(RESOURCES).join(', ')} (got ${unknown.join(', ') || 'none'})`, 2);
  return { to: parsed.to, folders, resources: resources.map((r) => RESOURCES[r] as MirrorResource), watch: parsed.watch, url: url.href, token: parsed.token, pageSize };
}

/** The mailbox's folders: `mailFolders` where the gateway has it, else the well-known ones. */
async function discoverFolders(client: GatewayClient): Promise<string[]> {
  try {
    const data = await client.query<{ mailFolders: { id: string }[] }>('{ mailFolders { id } }', {});
    if (data.mailFolders.length > 0) return data.mailFolders.map((f) => f.id);
  } catch (error) {
    // An older gateway without the field answers a validation error; anything else is real.
    if (!(error instanceof GraphQLFailure && (error.code === 'GRAPHQL_VALIDATION_FAILED' || /Cannot query field "mailFolders"/.test(error.message)))) throw error;
  }
  return WELL_KNOWN_FOLDERS;
}

async function main(): Promise<void> {
  const options = readOptions();
  const progress = createProgress();
  const client = createGatewayClient({
    url: options.url,
    token: options.token,
    onWait: (reason, ms) => progress.note('mirror', `${reason}: waiting ${Math.round(ms / 100) / 10} s`),
  });
  const db = openMirrorDatabase(options.to, options.resources);
  const controller = new AbortController();
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(130);
    stopping = true;
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  try {
    const mirrorsMessages = options.resources.includes(MESSAGES);
    const folders = mirrorsMessages ? (options.folders ?? (await discoverFolders(client))) : [];
    // What to mirror: each folder's messages, and every mailbox-wide resource once.
    const jobs = options.resources.flatMap((resource) => (resource.scope ? folders : [MAILBOX_SCOPE]).map((scope) => ({ resource, scope })));
    const sync = ({ resource, scope }: (typeof jobs)[number]) => ({ client, db, resource, scope, pageSize: options.pageSize, progress, signal: controller.signal });
    await Promise.all(jobs.map((job) => syncScope(sync(job))));
    if (options.watch && !controller.signal.aborted) {
      progress.note('mirror', `watching ${jobs.map((job) => labelOf(job.resource, job.scope)).join(', ')} (${options.resources.map((r) => r.changedField).join(', ')}); Ctrl-C stops`);
      await Promise.all(jobs.map((job) => watchScope(sync(job))));
    }
    progress.stop();
    const summary = [
      ...(mirrorsMessages ? [`${folders.map((scope) => `${scope} ${db.count(MESSAGES, scope)}`).join(', ')} messages`] : []),
      ...options.resources.filter((r) => !r.scope).map((r) => `${db.count(r, MAILBOX_SCOPE)} ${r.table}`),
    ].join('; ');
    process.stderr.write(`mirror: ${controller.signal.aborted ? 'stopped' : 'done'}: ${summary} in ${options.to}\n`);
  } finally {
    progress.stop();
    db.close();
  }
}

main().catch((error: unknown) => {
  const code = error instanceof GraphQLFailure && error.code ? `${error.code}: ` : '';
  fail(`${code}${error instanceof Error ? error.message : String(error)}`);
});
