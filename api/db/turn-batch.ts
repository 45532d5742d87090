// Reads that every request of a hot route makes (the signed-in user, the viewer of a group page)
// are batched per turn of the event loop: requests that arrive in the same turn share one
// statement (`id = any($1)`), sent once that turn's I/O has been read. Under load most of them
// came in together, and the round trip to the database (and the driver's work per statement) was
// most of what such a read cost. Each request's read still starts after it arrived, so it sees
// every change committed before then: nothing is cached here.

interface Waiting<R> {
  resolve: (row: R | undefined) => void;
  reject: (err: unknown) => void;
}

export class TurnBatch<R> {
  private waiting = new Map<string, Waiting<R>[]>();

  /** `read` returns the rows of the ids it is given, by id (ids without a row are left out). */
  constructor(private readonly read: (ids: string[]) => Promise<Map<string, R>>) {}

  load(id: string): Promise<R | undefined> {
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) setImmediate(() => void this.flush());
      const list = this.waiting.get(id);
      if (list) list.push({ resolve, reject });
      else this.waiting.set(id, [{ resolve, reject }]);
    });
  }

  private async flush(): Promise<void> {
    const waiting = this.waiting;
    this.waiting = new Map();
    try {
      const rows = await this.read([...waiting.keys()]);
      for (const [id, list] of waiting) for (const w of list) w.resolve(rows.get(id));
    } catch (err) {
      for (const list of waiting.values()) for (const w of list) w.reject(err);
    }
  }
}

const batches = new WeakMap<object, Map<string, unknown>>();

/** The batch `name` of `owner` (a database handle or app context), created on first use. */
export function turnBatch<R>(owner: object, name: string, read: (ids: string[]) => Promise<Map<string, R>>): TurnBatch<R> {
  let byName = batches.get(owner);
  if (!byName) batches.set(owner, (byName = new Map()));
  let batch = byName.get(name) as TurnBatch<R> | undefined;
  if (!batch) byName.set(name, (batch = new TurnBatch(read)));
  return batch;
}

/** Ids in a batch are bound as uuid[]: one malformed id must not fail everyone's statement. */
export const isUuid = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
