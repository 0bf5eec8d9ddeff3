import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

// The house rules of README's "Where things live", read off the imports: they hold or this fails.
const SRC = resolve(import.meta.dirname, '../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : /\.ts$/.test(entry.name) ? [join(dir, entry.name)] : [],
  );
}

/** Relative imports of every file under src/, as [importer, imported] paths relative to src/. */
const imports: [string, string][] = sourceFiles(SRC).flatMap((file) =>
  [...readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*'(\.[^']+)'/g)].map(
    ([, spec]) => [relative(SRC, file), relative(SRC, resolve(dirname(file), spec!)).replace(/\.js$/, '.ts')] as [string, string],
  ),
);

/** A file's folder under src/ (`server`, `poll`…), or the file itself at the root (`errors.ts`). */
const folderOf = (path: string) => path.split(sep)[0]!;

describe('layout', () => {
  it('no folder of src/ imports one that imports it back (directly or through others)', () => {
    const edges = new Map<string, Set<string>>();
    for (const [from, to] of imports) {
      const [a, b] = [folderOf(from), folderOf(to)];
      if (a !== b) edges.set(a, (edges.get(a) ?? new Set()).add(b));
    }
    const reaches = (start: string, target: string, seen = new Set<string>()): boolean =>
      [...(edges.get(start) ?? [])].some((next) => next === target || (!seen.has(next) && (seen.add(next), reaches(next, target, seen))));
    const circles = [...edges.keys()].filter((folder) => reaches(folder, folder));
    expect(circles).toEqual([]);
  });

  it('delta/ and poll/ know no GraphQL: nothing from schema/ or server/', () => {
    const offending = imports.filter(([from, to]) => ['delta', 'poll'].includes(folderOf(from)) && ['schema', 'server'].includes(folderOf(to)));
    expect(offending).toEqual([]);
  });

  it('the emulator shares no code with the gateway, and holds only index.ts and main.ts at its root', () => {
    const outward = imports.filter(([from, to]) => folderOf(from) === 'emulator' && folderOf(to) !== 'emulator');
    expect(outward).toEqual([]);
    const root = readdirSync(join(SRC, 'emulator'), { withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => entry.name);
    expect(root.sort()).toEqual(['index.ts', 'main.ts']);
  });
});
