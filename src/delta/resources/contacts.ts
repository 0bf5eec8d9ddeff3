import { argumentError } from './query-options.js';
import type { CommonDeltaArgs, DeltaResource } from './types.js';

export interface ContactArgs extends CommonDeltaArgs {
  folderId: string;
}

// Contact delta is documented per contact folder only; Graph answers $top/$filter/$orderby with 400,
// so the only option sent is $select.
export const contacts = {
  name: 'contacts',
  field: 'contactsDelta',
  version: () => 'v1.0',
  path: (who, args) => `${who}/contactFolders/${encodeURIComponent(args.folderId)}/contacts/delta`,
  selectable: true,
  immutableIds: true,
  translate(args) {
    if (args.folderId.length === 0) throw argumentError('BAD_USER_INPUT', contacts, 'folderId', 'must not be empty.');
    return { options: { folderId: args.folderId }, query: [], prefer: [] };
  },
} satisfies DeltaResource<ContactArgs>;
