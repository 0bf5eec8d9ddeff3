import { readFile, readdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import type { Types } from '@graphql-codegen/plugin-helpers';
import { describe, expect, it } from 'vitest';
import config, { GENERATED_DIR } from '../../codegen.js';

const ROOT = resolve(import.meta.dirname, '../..');

describe('test/generated', () => {
  it('is what `npm run codegen` produces from schema.graphql and test/operations (run it and commit the output)', async () => {
    // Generated in memory (saveToFile false) from the same config the CLI uses.
    const outputs = (await generate({ ...config, cwd: ROOT, silent: true, verbose: false }, false)) as Types.FileOutput[];
    const expected = new Map(outputs.map((o) => [relative(ROOT, resolve(ROOT, o.filename)), o.content]));
    expect(expected.size).toBeGreaterThan(0);

    const committed = new Map<string, string>();
    for (const name of await readdir(join(ROOT, GENERATED_DIR))) {
      const path = join(GENERATED_DIR, name);
      committed.set(relative(ROOT, resolve(ROOT, path)), await readFile(join(ROOT, path), 'utf8'));
    }
    expect([...committed.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [path, content] of expected) expect(committed.get(path), `${path} is stale: run npm run codegen`).toBe(content);
  });
});
