// What the transport needs from an HTTP client: one request out, one response in, whole.
// Two implementations: undici (the default on Node) and fetch (the default in browsers, and
// whatever `fetch` a caller passes: Deno, Bun, an edge runtime, a test double of their own).

export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
  signal: AbortSignal;
}

export interface HttpResponse {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string | string[] | undefined>;
  bytes: Uint8Array;
}

/**
 * Sends one request. A failure to get a response throws an error carrying a `code` (a network
 * failure) or the signal's reason (aborted); a TypeError without `code` is a programming error.
 */
export type HttpSend = (request: HttpRequest) => Promise<HttpResponse>;

/** Request and response through a fetch implementation. */
export function fetchSend(fetchImpl: typeof globalThis.fetch): HttpSend {
  return async ({ method, url, headers, body, signal }) => {
    let res: Response;
    try {
      res = await fetchImpl(url, { method, headers, body, signal });
    } catch (err) {
      if (signal.aborted) throw err;
      // fetch reports every network failure as a bare TypeError: give it a code, so it is
      // retried as a network error rather than thrown as a bug.
      const cause = (err as { cause?: { code?: string } }).cause;
      throw Object.assign(new Error((err as Error).message, { cause: err }), { code: cause?.code ?? 'FETCH_FAILED' });
    }
    const out: HttpResponse['headers'] = {};
    res.headers.forEach((value, name) => {
      out[name.toLowerCase()] = value;
    });
    return { status: res.status, headers: out, bytes: new Uint8Array(await res.arrayBuffer()) };
  };
}
