import { isObjectType, type GraphQLSchema } from 'graphql';

/** Fields whose source values may be promises: edge cursors (sealed after a store write) and PageInfo's cursors. */
const PROMISED = new Set(['cursor', 'startCursor', 'endCursor']);

/**
 * Gives those fields a resolver reading the property. graphql-js awaits a promise found on a plain
 * property; graphql-jit does not (it inlines property reads for fields without resolvers), so without
 * this a compiled query would return such a cursor as null. Same result under either executor.
 */
export function resolvePromisedFields(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const [name, field] of Object.entries(type.getFields())) {
      if (PROMISED.has(name) && field.resolve === undefined) field.resolve = (source: Record<string, unknown>) => source[name];
    }
  }
  return schema;
}
