import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSchema, findBreakingChanges, type GraphQLSchema } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const contractPath = new URL('../shared/contract/schema.graphql', root);

// Printed in a child process, exactly as `npm run schema` does (under vitest, Pothos and vite-
// transformed code can load two copies of graphql 16, which has no "exports" map).
let printed: string;
let ours: GraphQLSchema;
beforeAll(() => {
  printed = execFileSync(fileURLToPath(new URL('node_modules/.bin/tsx', root)), ['src/schema/print.ts', '--stdout'], {
    cwd: fileURLToPath(root),
    encoding: 'utf8',
  });
  ours = buildSchema(printed);
}, 60_000);

describe('schema.graphql', () => {
  it('is up to date with the Pothos code (run `npm run schema`)', () => {
    expect(readFileSync(new URL('schema.graphql', root), 'utf8')).toBe(printed);
  });

  it.runIf(existsSync(contractPath))('contains the whole public contract', () => {
    const contract = buildSchema(readFileSync(contractPath, 'utf8'));
    expect(findBreakingChanges(contract, ours).map((c) => c.description)).toEqual([]);
  });

  it('describes every type, field, argument and enum value', () => {
    const missing: string[] = [];
    for (const type of Object.values(ours.getTypeMap())) {
      if (type.name.startsWith('__') || ['String', 'Boolean', 'Int', 'Float', 'ID'].includes(type.name)) continue;
      if (!type.description) missing.push(type.name);
      if ('getFields' in type) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : []) if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
      if ('getValues' in type) for (const value of type.getValues()) if (!value.description) missing.push(`${type.name}.${value.name}`);
    }
    expect(missing).toEqual([]);
  });

  it('delta connections have the contract’s shape: non-null edges and nodes, removed, no backward paging state', () => {
    expect(printed).toMatch(/type MessageDeltaEdge \{[\s\S]*?cursor: String!/);
    expect(printed).toMatch(/edges: \[MessageDeltaEdge!\]!/);
    expect(printed).toMatch(/node: Message!/);
    expect(printed).not.toMatch(/interface Node|\bnodes?\(/);
  });
});
