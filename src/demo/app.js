// The live mailbox page: a reference client of the public GraphQL API, no build step.
// Per folder it reads a delta round with messagesDelta, storing each page's items and cursor in
// localStorage before asking for the next one, then follows messagesChanged over SSE (graphql-sse)
// from the round's end cursor. A reload resumes from the stored cursor instead of a new round.
// RESYNC_REQUIRED starts a new round; THROTTLED waits extensions.retryAfter.

const STORE_PREFIX = 'delta-gateway-demo:v1:';
const PAGE_SIZE = 50;
const MARK_MS = 4000;
const WELL_KNOWN = [
  { id: 'inbox', displayName: 'Inbox' },
  { id: 'sentitems', displayName: 'Sent Items' },
  { id: 'drafts', displayName: 'Drafts' },
  { id: 'deleteditems', displayName: 'Deleted Items' },
  { id: 'archive', displayName: 'Archive' },
];

const MESSAGE_FIELDS = 'id subject receivedDateTime isRead from { emailAddress { name address } }';
const MESSAGES_DELTA = `query FolderRound($folderId: ID!, $after: String, $first: Int) {
  messagesDelta(folderId: $folderId, after: $after, first: $first) {
    edges { removed { reason } node { ${MESSAGE_FIELDS} } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const MESSAGES_CHANGED = `subscription FolderChanges($folderId: ID!, $after: String) {
  messagesChanged(folderId: $folderId, after: $after) {
    cursor
    edges { removed { reason } node { ${MESSAGE_FIELDS} } }
  }
}`;
const EVENT_FIELDS = 'id subject type isAllDay isCancelled start { dateTime timeZone } end { dateTime timeZone } location { displayName }';
const EVENTS_DELTA = `query TodayRound($start: DateTime, $end: DateTime, $after: String, $first: Int) {
  eventsDelta(startDateTime: $start, endDateTime: $end, after: $after, first: $first) {
    edges { removed { reason } node { ${EVENT_FIELDS} } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const EVENTS_CHANGED = `subscription TodayChanges($after: String) {
  eventsChanged(after: $after) {
    cursor
    edges { removed { reason } node { ${EVENT_FIELDS} } }
  }
}`;

const $ = (id) => document.getElementById(id);
const settings = await fetch('/demo/settings.json').then((r) => r.json());
const GRAPHQL_URL = new URL(settings.graphqlPath, location.origin).href;

// ---- the sync state shown in the status line --------------------------------------------------------
const status = { phase: 'starting', round: 0, pages: 0, items: 0, lastBatch: null, reconnects: 0 };
function showStatus() {
  const when = status.lastBatch ? status.lastBatch.toLocaleTimeString() : '–';
  $('status').textContent = `${status.phase} · round ${status.round}: ${status.pages} pages read, ${status.items} items · last batch ${when} · reconnects ${status.reconnects}`;
}
function showError(message) {
  $('error').textContent = message ?? '';
}

// ---- GraphQL over HTTP, with the contract's error codes --------------------------------------------
function authHeaders() {
  const token = sessionStorage.getItem(`${STORE_PREFIX}token`);
  return token ? { authorization: `Bearer ${token}` } : {};
}
class GraphQLFailure extends Error {
  constructor(errors) {
    super(errors.map((e) => e.message).join('; '));
    this.code = errors[0]?.extensions?.code;
    this.retryAfter = errors[0]?.extensions?.retryAfter;
  }
}
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
async function graphql(query, variables) {
  for (;;) {
    const response = await fetch(GRAPHQL_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...authHeaders() },
      body: JSON.stringify({ query, variables }),
    });
    const body = await response.json();
    if (!body.errors?.length) return body.data;
    const failure = new GraphQLFailure(body.errors);
    if (failure.code !== 'THROTTLED') throw failure;
    showError(`Throttled: waiting ${failure.retryAfter ?? 1} s`);
    await sleep((Number(failure.retryAfter) || 1) * 1000);
    showError('');
  }
}

// ---- a stored, synced collection: items by id plus the cursor they are current to -----------------
function load(key) {
  try {
    return JSON.parse(localStorage.getItem(STORE_PREFIX + key) ?? 'null');
  } catch {
    return null;
  }
}
function save(key, state) {
  localStorage.setItem(STORE_PREFIX + key, JSON.stringify(state));
}

/**
 * Keeps `state.items` in sync for one delta field: resumes a stored round or change stream, reads a
 * new round when there is nothing stored (or on RESYNC_REQUIRED), then subscribes from the round's end.
 */
function createSync({ key, roundQuery, roundField, roundVariables, changesQuery, changesField, changesVariables, render, countsInStatus }) {
  // `round` numbers the rounds this folder was read in (a RESYNC_REQUIRED starts the next one).
  let state = load(key) ?? { cursor: null, roundDone: false, round: 0, items: {} };
  let stopped = false;
  let unsubscribe = () => {};
  const marks = new Map(); // id -> 'new' | 'changed' | 'removed'
  const removedShown = new Map(); // id -> item, kept on screen struck through for a while

  const mark = (id, kind) => {
    marks.set(id, kind);
    setTimeout(() => {
      if (marks.get(id) !== kind) return;
      marks.delete(id);
      removedShown.delete(id);
      if (!stopped) render(view());
    }, MARK_MS);
  };
  let previousItems = null; // shown while a new round replaces them
  const view = () => ({ items: { ...Object.fromEntries(removedShown), ...(previousItems ?? state.items) }, marks });

  function apply(items, edges, live) {
    for (const edge of edges) {
      const id = edge.node.id;
      if (edge.removed) {
        if (live && items[id]) {
          removedShown.set(id, items[id]);
          mark(id, 'removed');
        }
        delete items[id];
      } else {
        if (live) mark(id, items[id] ? 'changed' : 'new');
        items[id] = edge.node;
      }
    }
  }

  async function round() {
    // A stored mid-round cursor continues that round; otherwise a new one starts (into a fresh map, so
    // what is on screen stays until the round is complete).
    const resuming = state.cursor && !state.roundDone;
    const items = resuming ? state.items : {};
    if (!resuming && Object.keys(state.items).length > 0) previousItems = state.items;
    let after = resuming ? state.cursor : null;
    const number = resuming ? state.round : (state.round ?? 0) + 1;
    if (countsInStatus) Object.assign(status, { phase: resuming ? 'resuming the round' : 'reading a new round', round: number, pages: 0, items: Object.keys(items).length });
    showStatus();
    for (;;) {
      const data = await graphql(roundQuery, { ...roundVariables(), ...(after ? { after } : {}), first: PAGE_SIZE });
      if (stopped) return;
      const page = data[roundField];
      apply(items, page.edges, false);
      after = page.pageInfo.endCursor;
      // This page's items and the cursor after them are stored together: a reload goes on from here.
      state = { cursor: after, roundDone: !page.pageInfo.hasNextPage, round: number, items };
      save(key, state);
      if (countsInStatus) Object.assign(status, { pages: status.pages + 1, items: Object.keys(items).length, lastBatch: new Date() });
      showStatus();
      if (state.roundDone) break;
      if (resuming) render(view());
    }
    previousItems = null;
    render(view());
  }

  function follow() {
    return new Promise((resolve, reject) => {
      const client = graphqlSse.createClient({ url: GRAPHQL_URL, headers: authHeaders, retryAttempts: 0 });
      unsubscribe = client.subscribe(
        { query: changesQuery, variables: { ...changesVariables(), after: state.cursor } },
        {
          next(result) {
            if (result.errors?.length) return reject(new GraphQLFailure(result.errors));
            const batch = result.data[changesField];
            apply(state.items, batch.edges, true);
            state = { ...state, cursor: batch.cursor };
            save(key, state);
            if (countsInStatus) Object.assign(status, { items: Object.keys(state.items).length, lastBatch: new Date() });
            showStatus();
            render(view());
          },
          error: (error) => reject(error instanceof Error ? error : new Error(String(error))),
          complete: () => resolve(),
        },
      );
      if (countsInStatus) {
        Object.assign(status, { phase: 'live (messagesChanged over SSE)', round: state.round, items: Object.keys(state.items).length });
        showStatus();
      }
    }).finally(() => unsubscribe());
  }

  async function run() {
    render(view());
    let failures = 0;
    while (!stopped) {
      try {
        if (!state.roundDone) await round();
        if (stopped) return;
        await follow();
        failures = 0;
      } catch (error) {
        if (stopped) return;
        if (error instanceof GraphQLFailure && error.code === 'RESYNC_REQUIRED') {
          // Graph's delta state expired: drop the cursor and read a new round, visibly.
          state = { ...state, cursor: null, roundDone: false };
          if (countsInStatus) {
            status.phase = 'RESYNC_REQUIRED: starting a new round';
            showStatus();
          }
          showError('The delta state expired (RESYNC_REQUIRED): reading a new round.');
          setTimeout(() => showError(''), MARK_MS);
          continue;
        }
        if (error instanceof GraphQLFailure && error.code !== 'UPSTREAM_ERROR') {
          showError(`${error.code ?? 'error'}: ${error.message}`);
          return;
        }
        failures += 1;
        showError(`Connection lost (${error.message}); reconnecting…`);
      }
      if (stopped) return;
      // The stream ended or the network failed: subscribe again from the latest stored cursor.
      status.reconnects += countsInStatus ? 1 : 0;
      showStatus();
      await sleep(Math.min(30_000, 500 * 2 ** Math.min(failures, 6)));
      if (failures === 0) showError('');
    }
  }

  return {
    start: () => void run(),
    stop() {
      stopped = true;
      unsubscribe();
    },
    items: () => state.items,
  };
}

// ---- rendering -------------------------------------------------------------------------------------
const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'short' });
const hourFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });
let selectedId = null;
const MARK_LABEL = { new: 'new', changed: 'changed', removed: 'removed' };

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}
function markLabel(kind) {
  return kind ? el('span', { className: 'mark', textContent: MARK_LABEL[kind] }) : null;
}

function renderMessages({ items, marks }) {
  const list = $('messages');
  const sorted = Object.values(items).sort((a, b) => String(b.receivedDateTime ?? '').localeCompare(String(a.receivedDateTime ?? '')));
  const focused = document.activeElement?.closest?.('#messages li')?.dataset.id;
  list.replaceChildren(
    ...sorted.map((m) => {
      const kind = marks.get(m.id);
      const from = m.from?.emailAddress?.name || m.from?.emailAddress?.address || '(no sender)';
      const when = m.receivedDateTime ? timeFormat.format(new Date(m.receivedDateTime)) : '';
      const button = el(
        'button',
        { type: 'button', className: m.isRead === false ? 'unread' : '' },
        el('span', { className: 'from', textContent: from }, markLabel(kind)),
        el('span', { className: 'time', textContent: when }),
        el('span', { className: 'subject', textContent: m.subject || '(no subject)' }),
      );
      button.setAttribute('aria-pressed', String(m.id === selectedId));
      button.setAttribute('aria-label', `${m.isRead === false ? 'Unread. ' : ''}${from}: ${m.subject || '(no subject)'}, ${when}${kind ? `, ${kind}` : ''}`);
      button.addEventListener('click', () => {
        selectedId = selectedId === m.id ? null : m.id;
        renderMessages({ items, marks });
        updateSimulateButtons();
      });
      const li = el('li', { className: kind ? `is-${kind}` : '' }, button);
      li.dataset.id = m.id;
      return li;
    }),
  );
  if (sorted.length === 0) list.append(el('li', { className: 'empty', textContent: 'No messages (yet).' }));
  // One tab stop for the whole list (the selected or focused message, else the first); arrows move within it.
  const stop = list.querySelector(`li[data-id="${CSS.escape(focused ?? selectedId ?? '')}"] button`) ?? list.querySelector('li button');
  for (const button of list.querySelectorAll('li button')) button.tabIndex = button === stop ? 0 : -1;
  if (focused) stop?.focus();
  if (selectedId && !items[selectedId]) selectedId = null;
  updateSimulateButtons();
}

function eventTime(e) {
  if (e.isAllDay) return 'all day';
  const start = new Date(`${e.start?.dateTime}Z`);
  const end = new Date(`${e.end?.dateTime}Z`);
  return `${hourFormat.format(start)}–${hourFormat.format(end)}`;
}
function renderEvents({ items, marks }) {
  const list = $('events');
  const shown = Object.values(items)
    .filter((e) => e.type !== 'seriesMaster')
    .sort((a, b) => String(a.start?.dateTime).localeCompare(String(b.start?.dateTime)));
  list.replaceChildren(
    ...shown.map((e) => {
      const kind = marks.get(e.id);
      return el(
        'li',
        { className: kind ? `is-${kind}` : '' },
        el('span', { className: 'when', textContent: eventTime(e) }),
        el('span', { textContent: `${e.isCancelled ? 'Cancelled: ' : ''}${e.subject || '(no subject)'}` }, markLabel(kind)),
        e.location?.displayName ? el('span', { className: 'when', textContent: e.location.displayName }) : null,
      );
    }),
  );
  if (shown.length === 0) list.append(el('li', { className: 'empty', textContent: 'Nothing today.' }));
}

$('messages').addEventListener('keydown', (event) => {
  const buttons = [...$('messages').querySelectorAll('li button')];
  const at = buttons.indexOf(document.activeElement);
  if (at < 0) return;
  const to = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: buttons.length - 1, PageDown: at + 10, PageUp: at - 10 }[event.key];
  if (to === undefined) return;
  event.preventDefault();
  const target = buttons[Math.max(0, Math.min(buttons.length - 1, to))];
  buttons[at].tabIndex = -1;
  target.tabIndex = 0;
  target.focus();
});

// ---- folders ---------------------------------------------------------------------------------------
async function loadFolders() {
  // mailFolders is a newer field: a gateway without it answers GRAPHQL_VALIDATION_FAILED.
  try {
    const data = await graphql('{ mailFolders { id displayName unreadItemCount } }');
    const folders = data.mailFolders.map((f) => {
      const known = WELL_KNOWN.find((w) => w.displayName === f.displayName);
      return { id: known?.id ?? f.id, displayName: f.displayName ?? f.id, unread: f.unreadItemCount };
    });
    if (folders.length > 0) return folders;
  } catch (error) {
    // (Before the contract's codes were mapped everywhere, an unknown field came as BAD_USER_INPUT.)
    const absent = error instanceof GraphQLFailure && (error.code === 'GRAPHQL_VALIDATION_FAILED' || /Cannot query field "mailFolders"/.test(error.message));
    if (!absent) showError(`mailFolders: ${error.message}`);
  }
  return WELL_KNOWN;
}

let messagesSync = null;
let currentFolder = 'inbox';
function openFolder(folder) {
  currentFolder = folder.id;
  for (const button of $('folders').querySelectorAll('button')) button.setAttribute('aria-current', String(button.dataset.id === folder.id));
  $('folder-name').textContent = `· ${folder.displayName}`;
  messagesSync?.stop();
  selectedId = null;
  Object.assign(status, { pages: 0, lastBatch: null });
  messagesSync = createSync({
    key: `messages:${folder.id}`,
    roundQuery: MESSAGES_DELTA,
    roundField: 'messagesDelta',
    roundVariables: () => ({ folderId: folder.id }),
    changesQuery: MESSAGES_CHANGED,
    changesField: 'messagesChanged',
    changesVariables: () => ({ folderId: folder.id }),
    render: renderMessages,
    countsInStatus: true,
  });
  messagesSync.start();
}

function renderFolders(folders) {
  $('folders').replaceChildren(
    ...folders.map((folder) => {
      const button = el(
        'button',
        { type: 'button' },
        el('span', { textContent: folder.displayName }),
        typeof folder.unread === 'number' && folder.unread > 0 ? el('span', { className: 'count', textContent: String(folder.unread), title: 'unread' }) : null,
      );
      button.dataset.id = folder.id;
      button.addEventListener('click', () => openFolder(folder));
      return el('li', {}, button);
    }),
  );
}

// ---- today's events --------------------------------------------------------------------------------
function startToday() {
  const start = new Date();
  start.setHours(0, 0, 0, 0);
  const end = new Date(start);
  end.setDate(end.getDate() + 1);
  $('today').textContent = `· ${start.toLocaleDateString(undefined, { weekday: 'long', day: 'numeric', month: 'long' })}`;
  createSync({
    key: `events:${start.toISOString()}`,
    roundQuery: EVENTS_DELTA,
    roundField: 'eventsDelta',
    roundVariables: () => ({ start: start.toISOString(), end: end.toISOString() }),
    changesQuery: EVENTS_CHANGED,
    changesField: 'eventsChanged',
    changesVariables: () => ({}),
    render: renderEvents,
    countsInStatus: false,
  }).start();
}

// ---- simulate bar (demo mode only) -----------------------------------------------------------------
function updateSimulateButtons() {
  for (const button of document.querySelectorAll('#simulate [data-needs-message]')) button.disabled = !selectedId;
}
async function simulate(action) {
  const body = { action };
  if (action === 'newMail') body.folderId = currentFolder;
  if (selectedId && action !== 'newMail' && action !== 'newMeeting') body.id = selectedId;
  if (action === 'move') body.destinationId = currentFolder === 'archive' ? 'inbox' : 'archive';
  if (action === 'markRead') body.isRead = messagesSync?.items()[selectedId]?.isRead === false;
  const response = await fetch('/demo/simulate', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  // The answer only says the emulator took it; the change itself arrives through the subscription.
  $('simulate-result').textContent = response.ok ? `${action}: done in the emulator; waiting for the subscription's next batch…` : `${action}: ${(await response.json()).error}`;
}

// ---- start -----------------------------------------------------------------------------------------
if (settings.simulate) {
  $('simulate').hidden = false;
  for (const button of document.querySelectorAll('#simulate button')) button.addEventListener('click', () => void simulate(button.dataset.action));
  updateSimulateButtons();
}
if (!settings.demo) {
  const form = $('token-form');
  form.hidden = false;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(`${STORE_PREFIX}token`, $('token').value.trim());
    location.reload();
  });
}
$('forget').addEventListener('click', () => {
  for (const key of Object.keys(localStorage)) if (key.startsWith(STORE_PREFIX)) localStorage.removeItem(key);
  location.reload();
});

const folders = await loadFolders();
renderFolders(folders);
openFolder(folders.find((f) => f.id === 'inbox') ?? folders[0]);
startToday();
