import { idSegment } from './ids.js';
import { argumentError, isoInstant } from './query-options.js';
import type { QueryParam } from './query-options.js';
import type { CommonDeltaArgs, DeltaResource, RoundOptions } from './types.js';

export type MessageChangeType = 'created' | 'updated' | 'deleted';
export interface DateTimeBound {
  gt?: Date | null | undefined;
  ge?: Date | null | undefined;
}
export interface MessageArgs extends CommonDeltaArgs {
  folderId: string;
  changeType?: MessageChangeType | null | undefined;
  filter?: { receivedDateTime: DateTimeBound } | null | undefined;
  orderBy?: 'receivedDateTime desc' | null | undefined;
}

// Message delta is per folder (/me/messages/delta is not change-trackable). $filter takes only
// receivedDateTime gt|ge and $orderby only receivedDateTime desc; $top caps the whole round, so never sent.
export const messages = {
  name: 'messages',
  field: 'messagesDelta',
  version: () => 'v1.0',
  path: (who, args): string => `${who}/mailFolders/${idSegment(messages, 'folderId', args.folderId)}/messages/delta`,
  selectable: true,
  immutableIds: true,
  translate(args) {
    const options: RoundOptions = { folderId: args.folderId };
    const query: QueryParam[] = [];
    if (args.changeType) {
      options['changeType'] = args.changeType;
      query.push(['changeType', args.changeType]);
    }
    if (args.filter) {
      const { gt, ge } = args.filter.receivedDateTime;
      const given = [gt ? (['gt', gt] as const) : undefined, ge ? (['ge', ge] as const) : undefined].filter((b) => b !== undefined);
      const [bound] = given;
      if (given.length !== 1 || bound === undefined) {
        throw argumentError('BAD_USER_INPUT', messages, 'filter.receivedDateTime', `give exactly one of \`gt\` and \`ge\`; got ${given.length}.`);
      }
      const expression = `receivedDateTime ${bound[0]} ${isoInstant(bound[1])}`;
      options['filter'] = expression;
      query.push(['$filter', expression]);
    }
    if (args.orderBy) {
      options['orderBy'] = args.orderBy;
      query.push(['$orderby', args.orderBy]);
    }
    return { options, query, prefer: [] };
  },
} satisfies DeltaResource<MessageArgs>;
