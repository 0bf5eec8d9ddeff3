/**
 * Standalone Graph emulator: `npm run emulator` (EMULATOR_PORT, default 4001; HOST, default 127.0.0.1;
 * EMULATOR_SEED=demo|empty; EMULATOR_MESSAGES=n). Flags: --port, --host, --seed, --messages.
 */
import { parseArgs } from 'node:util';
import { DEMO_USER, startEmulator } from './index.js';

function fail(message: string): never {
  process.stderr.write(`emulator: ${message}\n`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    seed: { type: 'string' },
    messages: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});

if (values.help) {
  process.stdout.write('Usage: npm run emulator -- [--port 4001] [--host 127.0.0.1] [--seed demo|empty] [--messages 1000]\n');
  process.exit(0);
}

const portText = values.port ?? process.env['EMULATOR_PORT'] ?? '4001';
const port = Number(portText);
if (!/^\d+$/.test(portText) || port > 65535) fail(`invalid port '${portText}'`);
const host = values.host ?? process.env['HOST'] ?? '127.0.0.1';
const seedName = values.seed ?? process.env['EMULATOR_SEED'] ?? 'demo';
if (seedName !== 'demo' && seedName !== 'empty') fail(`--seed must be demo or empty, not '${seedName}'`);
const messagesText = values.messages ?? process.env['EMULATOR_MESSAGES'];
const messages = messagesText === undefined ? undefined : Number(messagesText);
if (messages !== undefined && (!Number.isInteger(messages) || messages < 0)) fail(`invalid message count '${messagesText}'`);

const emulator = await startEmulator({ port, host, seed: { preset: seedName, ...(messages !== undefined ? { messages } : {}) } });
const token = await emulator.admin.token();
process.stdout.write(
  [
    `Graph emulator listening on ${emulator.url}  (Graph roots: ${emulator.url}/v1.0 and ${emulator.url}/beta)`,
    `Admin API: ${emulator.url}/_emulator/  (see README, "The Graph emulator")`,
    `Token for ${DEMO_USER.userPrincipalName} (1 h; more from POST ${emulator.url}/_emulator/tokens):`,
    token,
    '',
    `Try: curl -H "Authorization: Bearer $TOKEN" '${emulator.url}/v1.0/me/mailFolders/inbox/messages/delta'`,
    '',
  ].join('\n'),
);

const stop = () => {
  emulator.close().then(() => process.exit(0), () => process.exit(1));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
