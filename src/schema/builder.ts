import SchemaBuilder from '@pothos/core';
import RelayPlugin from '@pothos/plugin-relay';
import type { GatewayContext } from './context.js';

/** The Pothos builder and its plugins; the types live in their own files (see index.ts). */
export const builder = new SchemaBuilder<{
  Context: GatewayContext;
  DefaultEdgesNullability: { list: false; items: false };
  DefaultNodeNullability: false;
  Scalars: { DateTime: { Input: Date; Output: Date | string } };
}>({
  plugins: [RelayPlugin],
  relay: {
    // Graph ids are not global ids and there is no lookup by id: no Node interface, no node(s) fields.
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    pageInfoTypeOptions: { description: 'Where a page stands in a delta round.' },
    hasNextPageFieldOptions: { description: 'True while the round has more to read; false on the page that ends the round.' },
    hasPreviousPageFieldOptions: { description: 'Always false: delta pages go forward only.' },
    startCursorFieldOptions: { description: 'Cursor of the first edge of this page (null when the page is empty).' },
    endCursorFieldOptions: {
      description:
        'Never null. Mid-round it continues the round; on the last page it wraps the round-end deltaLink, so passing it as `after` later returns only what changed since.',
    },
    cursorFieldOptions: { description: 'Resumes the round right after this edge.' },
    nodeFieldOptions: { nullable: false, description: 'The item. For a removed item only `id` is set.' },
    edgesFieldOptions: { nullable: { list: false, items: false }, description: 'The items of this page, each id at most once.' },
    pageInfoFieldOptions: { description: 'Paging state of the round.' },
    firstArgOptions: { description: 'Most edges to return (1..1000, default 50); sent to Graph as `Prefer: odata.maxpagesize`.' },
    afterArgOptions: { description: 'An `endCursor` or edge `cursor` of this field: continues that round. Without it a new round starts.' },
    lastArgOptions: { description: 'Not supported: delta pages go forward only (UNSUPPORTED_QUERY_OPTION).' },
    beforeArgOptions: { description: 'Not supported: delta pages go forward only (UNSUPPORTED_QUERY_OPTION).' },
  },
});
