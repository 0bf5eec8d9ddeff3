/** Subscription and query documents the subscription tests share. */

export const MESSAGES_CHANGED = `subscription Messages($after: String, $changeType: ChangeType) {
  messagesChanged(folderId: "inbox", after: $after, changeType: $changeType) {
    cursor
    edges { cursor removed { reason } node { id subject isRead } }
  }
}`;

export const MESSAGES_PAGE = `query Page($after: String, $first: Int) {
  messagesDelta(folderId: "inbox", after: $after, first: $first) {
    edges { cursor removed { reason } node { id subject isRead } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export interface BatchEdge {
  cursor: string;
  removed: { reason: string } | null;
  node: { id: string; subject?: string | null; isRead?: boolean | null };
}

export interface MessagesBatch {
  messagesChanged: { cursor: string; edges: BatchEdge[] };
}

export interface MessagesPage {
  messagesDelta: { edges: BatchEdge[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
}

export const ids = (edges: readonly { node: { id: string } }[]) => edges.map((edge) => edge.node.id);
