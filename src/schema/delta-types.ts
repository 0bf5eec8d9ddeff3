import type { ObjectRef } from '@pothos/core';
import type { DeltaEdge } from '../delta/edge.js';
import type { DeltaBatch } from '../poll/batch.js';
import { builder } from './builder.js';
import type { GraphObject } from './graph-object.js';
import { Removed } from './removed.js';

type SchemaTypes = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/** The edge, connection and subscription batch types of one delta resource (contract names). */
export function deltaTypes(entity: ObjectRef<SchemaTypes, GraphObject>, typeName: string, resourceLabel: string) {
  const Edge = builder.edgeObject({
    name: `${typeName}DeltaEdge`,
    type: entity,
    description: `One ${resourceLabel} item of a delta page, or its removal.`,
    fields: (t) => ({
      removed: t.field({
        type: Removed,
        nullable: true,
        description: 'Set when Graph reported the item under @removed; `node` then holds only `id`.',
        resolve: (edge) => (edge as unknown as DeltaEdge).removed,
      }),
    }),
  });
  const Connection = builder.connectionObject(
    { type: entity, name: `${typeName}DeltaConnection`, description: `A page of a ${resourceLabel} delta round.` },
    Edge,
  );
  const Batch = builder.objectRef<DeltaBatch>(`${typeName}DeltaBatch`).implement({
    description: `${resourceLabel} changes found by one poll.`,
    fields: (t) => ({
      edges: t.field({
        type: [Edge],
        nullable: { list: false, items: false },
        description: 'The changed items, each id at most once.',
        resolve: (batch) => batch.edges as never,
      }),
      cursor: t.string({ nullable: false, description: 'Round-end cursor after these changes: resume from it after a reconnect.', resolve: (batch) => batch.cursor }),
    }),
  });
  return { Edge, Connection, Batch };
}
