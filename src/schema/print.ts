import { writeFileSync } from 'node:fs';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { schema } from './index.js';

/** The committed schema.graphql: sorted so that reviews see only real API changes. */
export function printedSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}

// `npm run schema` writes schema.graphql; `tsx src/schema/print.ts --stdout` prints it instead.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  if (process.argv.includes('--stdout')) {
    process.stdout.write(printedSchema());
  } else {
    const target = new URL('../../schema.graphql', import.meta.url);
    writeFileSync(target, printedSchema());
    console.log(`wrote ${target.pathname}`);
  }
}
