import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the operations in test/operations/ (the tests' and README's examples),
 * generated from the committed schema.graphql: no server needed. `npm run codegen` rewrites
 * test/generated/; the output is committed so `tsc --noEmit` checks every client against the
 * schema, and test/codegen/generated-fresh.test.ts fails when it is stale.
 */
export const GENERATED_DIR = 'test/generated/';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['test/operations/**/*.graphql'],
  ignoreNoDocuments: false,
  // Deterministic output: no prettier/lint hooks, nothing that depends on the machine.
  generates: {
    [GENERATED_DIR]: {
      preset: 'client',
      presetConfig: {
        // The operations live in .graphql files; no inline graphql() tag, no fragment masking.
        gqlTagName: 'graphql',
        fragmentMasking: false,
      },
      config: {
        // ESM with NodeNext resolution: relative imports need their extension.
        emitLegacyCommonJSImports: false,
        useTypeImports: true,
        scalars: { DateTime: 'string', ID: 'string' },
        strictScalars: true,
        enumsAsTypes: true,
        avoidOptionals: false,
        skipTypename: true,
        // Only what the operations need (their results, variables, enums, inputs): a small committed diff.
        onlyOperationTypes: true,
      },
    },
  },
};

export default config;
