/** Microsoft Graph national clouds (graph-docs SPEC.md §8). Tokens are not interchangeable across clouds. */
export const GRAPH_CLOUDS = {
  global: { graphHost: 'graph.microsoft.com', loginHost: 'login.microsoftonline.com' },
  usgov: { graphHost: 'graph.microsoft.us', loginHost: 'login.microsoftonline.us' },
  usgovdod: { graphHost: 'dod-graph.microsoft.us', loginHost: 'login.microsoftonline.us' },
  china: { graphHost: 'microsoftgraph.chinacloudapi.cn', loginHost: 'login.chinacloudapi.cn' },
} as const satisfies Record<string, { graphHost: string; loginHost: string }>;

export type GraphCloud = keyof typeof GRAPH_CLOUDS;
export const GRAPH_CLOUD_NAMES = Object.keys(GRAPH_CLOUDS) as GraphCloud[];

/** The cloud whose Graph host is `host`, if it is one of the national clouds' hosts. */
export function cloudOfGraphHost(host: string): GraphCloud | undefined {
  return GRAPH_CLOUD_NAMES.find((cloud) => GRAPH_CLOUDS[cloud].graphHost === host.toLowerCase());
}
