import {
  getDirectiveValues,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  type FieldNode,
  type GraphQLResolveInfo,
  type SelectionSetNode,
} from 'graphql';

/** Fields below `selection` reached by walking `path`, through fragments and inline fragments, honouring @skip/@include. */
function fieldsAt(info: GraphQLResolveInfo, sets: readonly SelectionSetNode[], path: readonly string[]): FieldNode[] {
  const fields: FieldNode[] = [];
  const visit = (set: SelectionSetNode, seen: Set<string>) => {
    for (const selection of set.selections) {
      if (!included(info, selection)) continue;
      if (selection.kind === Kind.FIELD) fields.push(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet, seen);
      else {
        const fragment = info.fragments[selection.name.value];
        if (fragment && !seen.has(fragment.name.value)) visit(fragment.selectionSet, new Set([...seen, fragment.name.value]));
      }
    }
  };
  for (const set of sets) visit(set, new Set());
  const [head, ...rest] = path;
  if (head === undefined) return fields;
  const below = fields.filter((f) => f.name.value === head && f.selectionSet).map((f) => f.selectionSet as SelectionSetNode);
  return fieldsAt(info, below, rest);
}

function included(info: GraphQLResolveInfo, node: Parameters<typeof getDirectiveValues>[1]): boolean {
  if (getDirectiveValues(GraphQLSkipDirective, node, info.variableValues)?.['if'] === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, node, info.variableValues)?.['if'] !== false;
}

/** Relationship fields resolved from a property of the item: selecting one selects that property. */
const RELATIONSHIP_PROPERTIES: Readonly<Record<string, string>> = { parentFolder: 'parentFolderId' };

/**
 * Names of the node fields a connection (or batch) field selects under `edges.node`, in query order.
 * GraphQL field names are Graph property names, so they are `$select` items as they are.
 */
export function selectedNodeFields(info: GraphQLResolveInfo, path: readonly string[] = ['edges', 'node']): string[] {
  const sets = info.fieldNodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
  const names = fieldsAt(info, sets, path)
    .map((f) => RELATIONSHIP_PROPERTIES[f.name.value] ?? f.name.value)
    .filter((name) => !name.startsWith('__'));
  return [...new Set(names)];
}

/** `$select` for a round: `id` always, then the selected properties. */
export function selectFor(fields: readonly string[]): string[] {
  return [...new Set(['id', ...fields])];
}
