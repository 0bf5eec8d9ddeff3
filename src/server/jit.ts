import { useGraphQlJit } from '@envelop/graphql-jit';
import type { Plugin } from '@envelop/core';
import {
  getOperationAST,
  getVariableValues,
  GraphQLError,
  locatedError,
  Kind,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { compileQuery, isCompiledQuery } from 'graphql-jit';

/**
 * Queries and mutations run compiled by graphql-jit; graphql-js (yoga's executor) keeps what JIT cannot
 * compile and every subscription. @envelop/graphql-jit has no fallback of its own (a failed compile
 * becomes the request's error), so each document is tried once here first and only documents that
 * compile are handed to it.
 *
 * graphql-jit awaits promises only from resolvers: fields whose values may be promises need one
 * (see `resolvePromisedFields` in the schema). Its own GraphQLError may lack `extensions`, which yoga's
 * result processing does not expect, and errors thrown as GraphQLErrors come back without `locations`:
 * errors are rebuilt as graphql-js makes them (locations from the field at their path) before masking.
 * Its variable coercion drops a scalar's own message ("Expected type DateTime." without why): variables
 * that graphql-js rejects are left to graphql-js, which reports them as the contract says.
 */
export function useCompiledExecution(): Plugin {
  // Per document and operation name: the operation if graphql-jit compiles it, null if not.
  const compiles = new WeakMap<DocumentNode, Map<string, OperationDefinitionNode | null>>();
  const fits = (args: ExecutionArgs): boolean => {
    const name = args.operationName ?? '';
    let byName = compiles.get(args.document);
    if (byName === undefined) compiles.set(args.document, (byName = new Map()));
    let operation = byName.get(name);
    if (operation === undefined) {
      const found = getOperationAST(args.document, args.operationName) ?? null;
      const compiled = found !== null && found.operation !== 'subscription' && isCompiledQuery(compileQuery(args.schema, args.document, args.operationName ?? undefined));
      operation = compiled ? found : null;
      byName.set(name, operation);
    }
    if (operation === null) return false;
    const definitions = operation.variableDefinitions ?? [];
    return definitions.length === 0 || getVariableValues(args.schema, definitions, args.variableValues ?? {}).errors === undefined;
  };
  const jit = useGraphQlJit({}, { enableIf: fits, onError: () => undefined });
  return {
    ...jit,
    onExecute(payload) {
      const hooks = jit.onExecute?.(payload);
      if (hooks !== undefined && typeof hooks === 'object' && 'then' in hooks) throw new Error('graphql-jit: enableIf is synchronous here.');
      return {
        onExecuteDone({ result, setResult }) {
          if (!('errors' in result) || result.errors === undefined || result.errors.length === 0) return;
          const { document } = payload.args;
          setResult({ ...(result as ExecutionResult), errors: result.errors.map((e) => asGraphqlJsError(e, document, payload.args.operationName)) });
        },
      };
    },
  };
}

/**
 * The error graphql-js would give: `locatedError` of what the resolver threw, at the field of its path
 * (extensions always an object; the thrown error stays its originalError for masking).
 */
function asGraphqlJsError(error: GraphQLError, document: DocumentNode, operationName: string | null | undefined): GraphQLError {
  if (error.path === undefined) return error.extensions !== undefined ? error : new GraphQLError(error.message, { ...(error.originalError ? { originalError: error.originalError } : {}) });
  const field = fieldAt(document, operationName, error.path);
  return locatedError(error.originalError ?? error, field ? [field] : undefined, error.path);
}

/** The field node a response path points at (aliases, inline fragments and fragment spreads followed). */
function fieldAt(document: DocumentNode, operationName: string | null | undefined, path: readonly (string | number)[]): FieldNode | undefined {
  const operation = getOperationAST(document, operationName);
  if (!operation) return undefined;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const find = (set: SelectionSetNode, key: string): FieldNode | undefined => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if ((selection.alias ?? selection.name).value === key) return selection;
      } else {
        const inner = selection.kind === Kind.INLINE_FRAGMENT ? selection.selectionSet : fragments.get(selection.name.value)?.selectionSet;
        const found = inner && find(inner, key);
        if (found) return found;
      }
    }
    return undefined;
  };
  let set: SelectionSetNode | undefined = operation.selectionSet;
  let field: FieldNode | undefined;
  for (const key of path) {
    if (typeof key === 'number') continue;
    field = set && find(set, key);
    if (!field) return undefined;
    set = field.selectionSet;
  }
  return field;
}
