import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import type { GraphQLResult, QueryOptions, TestGateway } from '../helpers/gateway.js';
import { eventStream, type EventStream } from '../helpers/sse.js';

const printed = new WeakMap<object, string>();

/** The document's text, as a client sends it over HTTP (printed once per document). */
export function source(document: TypedDocumentNode<unknown, never>): string {
  let text = printed.get(document);
  if (text === undefined) {
    text = print(document);
    printed.set(document, text);
  }
  return text;
}

/** Runs a generated typed document through the gateway; result and variables are checked by tsc. */
export function request<TResult, TVariables extends Record<string, unknown>>(
  gw: TestGateway,
  document: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
  options?: QueryOptions,
): Promise<GraphQLResult<TResult>> {
  return gw.query<TResult>(source(document), variables, options);
}

/** Like `request`, but fails on GraphQL errors and returns `data`. */
export function execute<TResult, TVariables extends Record<string, unknown>>(
  gw: TestGateway,
  document: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
  options?: QueryOptions,
): Promise<TResult> {
  return gw.data<TResult>(source(document), variables, options);
}

/** Subscribes with a generated typed subscription document over SSE (the demo user's token unless told otherwise). */
export function subscribe<TResult, TVariables extends Record<string, unknown>>(
  gw: TestGateway,
  document: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
  token: string | null = gw.token,
): EventStream<TResult> {
  return eventStream<TResult>(`${gw.url}/graphql`, source(document), { token, variables });
}
