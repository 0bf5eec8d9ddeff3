/** A Graph JSON object as delta returns it; fields read it leniently (Graph adds enum members and properties over time). */
export type GraphObject = Record<string, unknown>;

export const str = (key: string) => (o: GraphObject) => (typeof o[key] === 'string' ? (o[key] as string) : null);
export const bool = (key: string) => (o: GraphObject) => (typeof o[key] === 'boolean' ? (o[key] as boolean) : null);
export const int = (key: string) => (o: GraphObject) => (Number.isInteger(o[key]) ? (o[key] as number) : null);
export const float = (key: string) => (o: GraphObject) => (typeof o[key] === 'number' ? (o[key] as number) : null);
export const obj = (key: string) => (o: GraphObject) => {
  const value = o[key];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as GraphObject) : null;
};
export const objs = (key: string) => (o: GraphObject) => {
  const value = o[key];
  return Array.isArray(value) ? (value.filter((v) => typeof v === 'object' && v !== null) as GraphObject[]) : null;
};
export const strs = (key: string) => (o: GraphObject) => {
  const value = o[key];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : null;
};
