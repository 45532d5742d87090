// The one way a list command fetches: one page (from --cursor), or with --all every page behind
// the spinner, answered in the same { items, nextCursor } shape either way.
import { note, paint, withSpinner } from './output.ts';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export async function fetchPage<T>(
  label: string,
  opts: { all?: boolean; cursor?: string },
  read: { page: (cursor: string | undefined) => Promise<Page<T>>; every: () => AsyncIterable<T> },
  spinner: boolean,
): Promise<Page<T>> {
  return withSpinner(
    label,
    async () => {
      if (!opts.all) return read.page(opts.cursor);
      const items: T[] = [];
      for await (const item of read.every()) items.push(item);
      return { items, nextCursor: null };
    },
    spinner,
  );
}

/** The hint under a table when there is more than one page. */
export function moreHint(page: Page<unknown>, what: string): void {
  if (page.nextCursor) note(paint(process.stderr).dim(`More ${what}: add --all, or --cursor ${page.nextCursor}`));
}
