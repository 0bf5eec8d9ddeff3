import Database from 'better-sqlite3';
import type { Edge, MirrorResource } from './resources.js';

/**
 * The mirror's SQLite file. Per resource a table of items (scope, id, the selected columns, raw JSON)
 * and a staging table for a round in progress; one `cursors` table for every (resource, scope).
 *
 * A new round (first run, or after RESYNC_REQUIRED) is written to staging page by page; its last page
 * swaps staging in for the scope's rows. Until then the table keeps the previous data readable. Later
 * changes (pages after a round-end cursor, subscription batches) go straight into the table. Each
 * write is ONE transaction holding the page's items and the cursor after them: a kill at any moment
 * leaves either both or neither, so a restart neither loses nor repeats a page.
 */
export interface CursorRow {
  resource: string;
  scope: string;
  cursor: string;
  /** `round`: a round in progress (its rows in staging); `changes`: a round-end cursor (rows in the table). */
  phase: 'round' | 'changes';
  /** Rounds read for this scope so far (the current one included). */
  round: number;
  /** Pages and items written in the current round. */
  pages: number;
  items: number;
  updated_at: string;
}

export interface MirrorDatabase {
  cursor(resource: MirrorResource, scope: string): CursorRow | undefined;
  /** One page of a round: staged, with the round's cursor; `last` also swaps the staged round in. */
  writeRoundPage(resource: MirrorResource, scope: string, page: { edges: Edge[]; cursor: string; first: boolean; last: boolean }): void;
  /** Changes after a round-end cursor (a page or a subscription batch), with the cursor after them. */
  writeChanges(resource: MirrorResource, scope: string, changes: { edges: Edge[]; cursor: string }): void;
  /** Items of a scope in the table, by id (tests, the CLI's summary). */
  count(resource: MirrorResource, scope: string): number;
  close(): void;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

export function openMirrorDatabase(path: string, resources: readonly MirrorResource[]): MirrorDatabase {
  const db = new Database(path);
  // WAL: readers (anyone looking at the mirror meanwhile) never block the writer, and a kill never corrupts.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE IF NOT EXISTS cursors (
    resource TEXT NOT NULL, scope TEXT NOT NULL, cursor TEXT NOT NULL,
    phase TEXT NOT NULL CHECK (phase IN ('round', 'changes')),
    round INTEGER NOT NULL, pages INTEGER NOT NULL, items INTEGER NOT NULL, updated_at TEXT NOT NULL,
    PRIMARY KEY (resource, scope)) WITHOUT ROWID`);

  const statements = new Map(
    resources.map((r) => {
      const columns = r.columns.map((c) => `${quote(c.name)} ${c.type}`).join(', ');
      for (const table of [r.table, `${r.table}_staging`]) {
        db.exec(`CREATE TABLE IF NOT EXISTS ${quote(table)} (scope TEXT NOT NULL, id TEXT NOT NULL, ${columns}, json TEXT NOT NULL, PRIMARY KEY (scope, id)) WITHOUT ROWID`);
      }
      const names = ['scope', 'id', ...r.columns.map((c) => c.name), 'json'];
      const upsert = (table: string) =>
        db.prepare(`INSERT OR REPLACE INTO ${quote(table)} (${names.map(quote).join(', ')}) VALUES (${names.map(() => '?').join(', ')})`);
      const remove = (table: string) => db.prepare(`DELETE FROM ${quote(table)} WHERE scope = ? AND id = ?`);
      return [
        r.table,
        {
          upsert: upsert(r.table),
          remove: remove(r.table),
          upsertStaged: upsert(`${r.table}_staging`),
          removeStaged: remove(`${r.table}_staging`),
          clearStaged: db.prepare(`DELETE FROM ${quote(`${r.table}_staging`)} WHERE scope = ?`),
          clearScope: db.prepare(`DELETE FROM ${quote(r.table)} WHERE scope = ?`),
          swapIn: db.prepare(`INSERT INTO ${quote(r.table)} SELECT * FROM ${quote(`${r.table}_staging`)} WHERE scope = ?`),
          countStaged: db.prepare(`SELECT count(*) AS n FROM ${quote(`${r.table}_staging`)} WHERE scope = ?`),
          count: db.prepare(`SELECT count(*) AS n FROM ${quote(r.table)} WHERE scope = ?`),
        },
      ] as const;
    }),
  );
  const of = (r: MirrorResource) => statements.get(r.table) ?? (() => { throw new Error(`unknown resource ${r.table}`); })();
  const getCursor = db.prepare('SELECT * FROM cursors WHERE resource = ? AND scope = ?');
  const putCursor = db.prepare(
    'INSERT OR REPLACE INTO cursors (resource, scope, cursor, phase, round, pages, items, updated_at) VALUES (@resource, @scope, @cursor, @phase, @round, @pages, @items, @updated_at)',
  );
  const row = (r: MirrorResource, scope: string, node: Edge['node']) => [scope, node.id, ...r.columns.map((c) => c.value(node)), JSON.stringify(node)];
  const cursor = (r: MirrorResource, scope: string) => getCursor.get(r.table, scope) as CursorRow | undefined;

  const writeRoundPage = db.transaction((r: MirrorResource, scope: string, page: { edges: Edge[]; cursor: string; first: boolean; last: boolean }) => {
    const s = of(r);
    const before = cursor(r, scope);
    // A round's first page starts a fresh staging area (a round abandoned earlier leaves nothing behind).
    const continuing = !page.first && before?.phase === 'round';
    if (!continuing) s.clearStaged.run(scope);
    for (const edge of page.edges) {
      if (edge.removed) s.removeStaged.run(scope, edge.node.id);
      else s.upsertStaged.run(...row(r, scope, edge.node));
    }
    const round = continuing ? before.round : (before?.round ?? 0) + 1;
    const pages = (continuing ? before.pages : 0) + 1;
    const items = (s.countStaged.get(scope) as { n: number }).n;
    if (page.last) {
      // The round is complete: it replaces the scope's rows, all at once.
      s.clearScope.run(scope);
      s.swapIn.run(scope);
      s.clearStaged.run(scope);
    }
    putCursor.run({ resource: r.table, scope, cursor: page.cursor, phase: page.last ? 'changes' : 'round', round, pages, items, updated_at: new Date().toISOString() });
  });

  const writeChanges = db.transaction((r: MirrorResource, scope: string, changes: { edges: Edge[]; cursor: string }) => {
    const s = of(r);
    const before = cursor(r, scope);
    if (before?.phase !== 'changes') throw new Error(`${r.table}/${scope}: changes without a completed round`);
    for (const edge of changes.edges) {
      if (edge.removed) s.remove.run(scope, edge.node.id);
      else s.upsert.run(...row(r, scope, edge.node));
    }
    const items = (s.count.get(scope) as { n: number }).n;
    putCursor.run({ ...before, cursor: changes.cursor, pages: before.pages + 1, items, updated_at: new Date().toISOString() });
  });

  return {
    cursor,
    writeRoundPage: (r, scope, page) => writeRoundPage(r, scope, page),
    writeChanges: (r, scope, changes) => writeChanges(r, scope, changes),
    count: (r, scope) => (of(r).count.get(scope) as { n: number }).n,
    close: () => db.close(),
  };
}
