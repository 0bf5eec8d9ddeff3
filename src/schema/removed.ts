import { builder } from './builder.js';

export const RemovedReasonEnum = builder.enumType('RemovedReason', {
  description: 'Why Graph listed an item under @removed.',
  values: {
    DELETED: { value: 'deleted', description: 'Deleted (not restorable).' },
    CHANGED: { value: 'changed', description: 'No longer in scope (e.g. moved out of the folder or out of the calendarView window); not necessarily deleted.' },
  } as const,
});

export const Removed = builder.objectRef<{ reason: 'deleted' | 'changed' }>('Removed').implement({
  description: 'Set on an edge whose item Graph reported under @removed; the node then holds only its id.',
  fields: (t) => ({
    reason: t.field({ type: RemovedReasonEnum, nullable: false, description: 'Graph’s @removed.reason.', resolve: (r) => r.reason }),
  }),
});
