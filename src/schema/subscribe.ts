import type { GraphQLResolveInfo } from 'graphql';
import type { GatewayContext } from './context.js';
import { authorizeTarget, checkContinuation, translateArgs } from './connection.js';
import { encodeQuery, IMMUTABLE_ID } from '../delta/resources/query-options.js';
import type { CommonDeltaArgs, DeltaResource } from '../delta/resources/types.js';
import { cursorBinding, openRound } from '../delta/round-cursor.js';
import { selectedNodeFields, selectFor } from '../delta/selection.js';
import { countCursorRejections } from '../telemetry/cursors.js';
import type { Pollers } from '../poll/pollers.js';
import type { PollEvent } from '../poll/poller.js';

/**
 * The `subscribe` behind every `xChanged` field: the same validation as the query field, then the
 * shared poller of the key. Input, cursor and auth errors are thrown here, before any stream starts.
 */
export async function subscribeToChanges<A extends CommonDeltaArgs>(
  pollers: Pollers,
  resource: DeltaResource<A>,
  args: A,
  context: GatewayContext,
  info: GraphQLResolveInfo,
): Promise<AsyncIterableIterator<PollEvent>> {
  const { settings, cursors } = context.services;
  const { translation, options, path } = translateArgs(resource, args, settings);
  // `$select` comes from the batch's `edges { node { … } }`, as for the query field's page.
  const selected = resource.selectable ? selectedNodeFields(info) : null;
  const auth = await context.auth();
  authorizeTarget(auth, options);
  const binding = cursorBinding(auth.principal, resource.name);
  const common = { resource: resource.name, principal: auth.principal, binding, getToken: () => auth.getGraphToken(), tokenExpiresAt: auth.tokenExpiresAt };

  if (args.after) {
    const after = args.after;
    const round = countCursorRejections(() => checkContinuation(resource as DeltaResource, openRound(cursors, binding, after), options, selected));
    const { position: _, ...template } = round;
    return pollers.subscribe({ ...common, template, after: round });
  }
  // Sorted, so that the same fields in another order share a poller.
  const select = selected === null ? null : ['id', ...selectFor(selected).filter((f) => f !== 'id').sort()];
  const prefer = [...(resource.immutableIds && settings.graphImmutableIds ? [IMMUTABLE_ID] : []), ...translation.prefer];
  const query = [...translation.query, ...(select ? [['$select', select.join(',')] as const] : [])];
  const initialUrl = `${settings.graphBaseUrl.replace(/\/+$/, '')}/${resource.version(settings)}${path}${encodeQuery(query)}`;
  return pollers.subscribe({ ...common, template: { options, select, prefer }, initialUrl });
}
