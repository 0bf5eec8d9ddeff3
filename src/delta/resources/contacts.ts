import { idSegment } from './ids.js';
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
  path: (who, args): string => `${who}/contactFolders/${idSegment(contacts, 'folderId', args.folderId)}/contacts/delta`,
  selectable: true,
  immutableIds: true,
  translate(args) {
    return { options: { folderId: args.folderId }, query: [], prefer: [] };
  },
} satisfies DeltaResource<ContactArgs>;
