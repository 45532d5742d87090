/** One page of a cursor-paged list, as the API returns it. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * Iterates every item of a cursor-paged list, fetching pages as it goes:
 * `for await (const user of paginate((cursor) => cs.admin.users.list({ cursor }))) ...`.
 * Stop early with `break`; no further page is fetched.
 */
export async function* paginate<T>(fetchPage: (cursor?: string) => Promise<Page<T>>, firstCursor?: string): AsyncGenerator<T, void, undefined> {
  let cursor: string | undefined = firstCursor;
  do {
    const page = await fetchPage(cursor);
    yield* page.items;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
}
