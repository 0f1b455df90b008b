/** @module RFC 8288 `Link` headers for the next page of a collection. */

/** `<path?…&before=…>; rel="next"`, keeping the other parameters as given (relative URL). */
export function nextPageLink(
  path: string,
  params: ReadonlyMap<string, string>,
  nextBefore: number,
): string {
  const query = new URLSearchParams([...params].filter(([name]) => name !== "before"));
  query.set("before", String(nextBefore));
  return `<${path}?${query}>; rel="next"`;
}
