// The transport under every namespace: URL and headers, per-attempt timeouts, retries with
// backoff for idempotent requests, and one token refresh on 401.
import type { Dispatcher } from 'undici';
import { ApiError, ConnectSphereError, NetworkError, TimeoutError } from './errors.ts';
import type { HttpResponse, HttpSend } from './http.ts';
import { fetchSend } from './http.ts';
import { defaultSend } from './platform/node.ts';
import { sleep } from './sleep.ts';
import { MemoryTokenStore, type TokenStore, type Tokens } from './tokens.ts';
import type { AuthSession, MethodsOf, OperationInput, OperationOf, paths, Problem, SuccessBody } from './types.ts';
import { VERSION } from './version.ts';

export interface ClientOptions {
  /** The API's origin (and path prefix, if any), e.g. `http://127.0.0.1:3000`. */
  baseUrl: string;
  /** Where tokens live between calls. Default: in memory. */
  tokens?: TokenStore;
  /**
   * An organisation's API key (`csk_…`, from `cs.supplier.keys.create`): sent as the bearer
   * credential on every call instead of a session, never refreshed. For supplier scripts.
   */
  apiKey?: string;
  /** Per attempt: a response must arrive (headers and body) within this. Default 10 000 ms. */
  timeoutMs?: number;
  /** Extra attempts for idempotent requests. Default 2. */
  retries?: number;
  /** First backoff step; doubles each retry, with jitter. Default 500 ms. */
  retryDelayMs?: number;
  /** Longest wait before a retry; a `Retry-After` longer than this is not waited for. Default 10 000 ms. */
  maxRetryDelayMs?: number;
  /** Your product token, added after `connectsphere-sdk/<version>`, e.g. `my-app/1.2.0`. */
  userAgent?: string;
  /** Called whenever the client stores new tokens or clears them (sign-in, refresh, sign-out, failed refresh). */
  onTokens?: (tokens: Tokens | undefined) => void;
  /** On Node: an undici dispatcher (a proxy agent, a pool with other limits). Default: undici's global one. */
  dispatcher?: Dispatcher;
  /**
   * Send requests with this fetch instead (Deno, Bun, an edge runtime, an instrumented fetch).
   * Default: undici on Node, the global fetch in browsers (the package's `browser` build).
   */
  fetch?: typeof globalThis.fetch;
  /**
   * Called with every HTTP response the client receives, retries and the refresh included, before
   * it is returned or thrown: for logging, metrics, or reading a header such as `idempotent-replayed`.
   * What it throws is ignored (the request may have changed something already).
   */
  onResponse?: (response: ResponseInfo) => void;
}

/** One HTTP response, as `onResponse` sees it. */
export interface ResponseInfo {
  method: string;
  /** The path as requested, without the base URL and the query. */
  path: string;
  status: number;
  /** Lower-case names. */
  headers: Record<string, string | string[] | undefined>;
  /** 0 for the first attempt of a call, 1 for its first retry, ... (a replay after a token refresh starts at 0 again). */
  attempt: number;
  /** The `x-request-id` of the call (the same on every attempt). */
  requestId: string;
  /** True when the server answered a retried Idempotency-Key with its stored first response (`idempotent-replayed: true`). */
  replayed: boolean;
}

/**
 * For the calls that move money or stock (join, payments, refunds, redeeming a pass): the client
 * sends a fresh `Idempotency-Key` per call, the same on each of its retries. Pass your own key to
 * make a repeated call (after a crash, say) count once: the server answers it with the first response.
 */
export interface IdempotentOptions {
  /** 8 to 100 characters, unique per intended change, e.g. `join-${orderId}`. Default: a random UUID. */
  idempotencyKey?: string;
}

export type QueryValue = string | number | boolean | null | undefined;

export interface RequestOptions {
  query?: Record<string, QueryValue | QueryValue[]>;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as it is, with its media type (a CSV file, an image's bytes), instead of a JSON `body`. */
  rawBody?: { contentType: string; data: string | Uint8Array };
  headers?: Record<string, string>;
  /**
   * Sends `Idempotency-Key` (the same key on every attempt), which makes the request retryable.
   * `true` generates a key; an empty string is refused.
   */
  idempotencyKey?: string | boolean;
  /** Send the stored access token (and refresh it once on 401). Default true. */
  auth?: boolean;
  timeoutMs?: number;
  retries?: number;
  signal?: AbortSignal;
  /** Non-2xx statuses whose body is returned instead of thrown (e.g. 503 from readiness). */
  okStatuses?: number[];
}

/** The transport option for a money or stock mutation: the caller's key, or `true` to generate one per call. */
export function idempotencyKeyOf(options: IdempotentOptions | undefined): string | true {
  return options?.idempotencyKey ?? true;
}

const RETRY_STATUSES = new Set([429, 502, 503, 504]);
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

interface Prepared {
  method: string;
  path: string;
  url: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
  auth: boolean;
  retryable: boolean;
  retries: number;
  timeoutMs: number;
  signal: AbortSignal | undefined;
  okStatuses: number[];
}

type RawResponse = HttpResponse;

export class Transport {
  readonly baseUrl: string;
  readonly #tokens: TokenStore;
  readonly #apiKey: string | undefined;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #retryDelayMs: number;
  readonly #maxRetryDelayMs: number;
  readonly #userAgent: string;
  readonly #onTokens: ((tokens: Tokens | undefined) => void) | undefined;
  readonly #http: HttpSend;
  readonly #onResponse: ((response: ResponseInfo) => void) | undefined;
  /** The refresh in flight: concurrent 401s share it, because a refresh token is good for one exchange. */
  #refreshing: Promise<AuthSession> | undefined;

  constructor(options: ClientOptions) {
    const base = URL.canParse(options?.baseUrl ?? '') ? new URL(options.baseUrl) : undefined;
    if (!base || (base.protocol !== 'http:' && base.protocol !== 'https:')) {
      throw new ConnectSphereError(`baseUrl must be an http(s) URL such as http://127.0.0.1:3000, not ${JSON.stringify(options?.baseUrl)}`);
    }
    this.baseUrl = base.toString().replace(/\/+$/, '');
    this.#tokens = options.tokens ?? new MemoryTokenStore();
    if (options.apiKey !== undefined && !/^csk_\S+$/.test(options.apiKey)) {
      throw new ConnectSphereError('apiKey must be an API key such as csk_…');
    }
    this.#apiKey = options.apiKey;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#retries = Math.max(0, options.retries ?? 2);
    this.#retryDelayMs = options.retryDelayMs ?? 500;
    this.#maxRetryDelayMs = options.maxRetryDelayMs ?? 10_000;
    this.#userAgent = `connectsphere-sdk/${VERSION}${options.userAgent ? ` ${options.userAgent}` : ''}`;
    this.#onTokens = options.onTokens;
    this.#http = options.fetch ? fetchSend(options.fetch) : defaultSend(options.dispatcher);
    this.#onResponse = options.onResponse;
  }

  async getTokens(): Promise<Tokens | undefined> {
    return this.#tokens.get();
  }

  async setTokens(tokens: Tokens | undefined): Promise<void> {
    await this.#tokens.set(tokens);
    this.#onTokens?.(tokens);
  }

  /** Stores the pair from a session the API just issued. */
  async storeSession(session: AuthSession): Promise<AuthSession> {
    await this.setTokens({ accessToken: session.accessToken, refreshToken: session.refreshToken });
    return session;
  }

  /**
   * A spec-checked call: `path` must be a path of openapi.yaml and `method` one of its operations;
   * path parameters, query and body are typed from that operation, and so is the result.
   */
  async call<P extends keyof paths, M extends MethodsOf<P>>(
    method: M,
    path: P,
    input: OperationInput<OperationOf<P, M>> & Omit<RequestOptions, 'query' | 'body'>,
  ): Promise<SuccessBody<OperationOf<P, M>>> {
    const { path: params, ...options } = input as { path?: Record<string, string | number> } & RequestOptions;
    const concrete = String(path).replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = params?.[name];
      if (value === undefined) throw new ConnectSphereError(`Missing path parameter ${name} for ${String(path)}`);
      return encodeURIComponent(String(value));
    });
    return this.request(method.toUpperCase(), concrete, options) as Promise<SuccessBody<OperationOf<P, M>>>;
  }

  /**
   * Any request: the body of a 2xx (parsed JSON; bytes for images other than SVG, audio, video,
   * PDF and octet-stream; text for anything else; undefined for 204), or a thrown error.
   */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<unknown> {
    const req = this.#prepare(method, path, options);
    // A key is its own credential: nothing to refresh.
    if (this.#apiKey) return this.#result(req, await this.#send(req, req.auth ? this.#apiKey : undefined));
    let tokens = req.auth ? await this.#tokens.get() : undefined;
    let res = await this.#send(req, tokens?.accessToken);
    // One refresh and one replay, only when we sent a token that could be refreshed.
    if (res.status === 401 && req.auth && tokens) {
      if (await this.#refreshAfter(tokens)) {
        tokens = await this.#tokens.get();
        res = await this.#send(req, tokens?.accessToken);
      }
    }
    return this.#result(req, res);
  }

  /**
   * Exchanges the stored refresh token for a new pair and stores it. If the API refuses the
   * token (4xx), the store is cleared (the session is over) and the ApiError is thrown. A network
   * failure, a timeout or a 5xx leaves the store as it was: the session may well still be good.
   */
  refreshSession(): Promise<AuthSession> {
    this.#refreshing ??= this.#rotate().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #rotate(): Promise<AuthSession> {
    const current = await this.#tokens.get();
    if (!current) throw new ConnectSphereError('Not signed in: no refresh token is stored');
    let session: AuthSession;
    try {
      // Never retried: a lost response after the server rotated the token would make a replay
      // look like theft, and the server would revoke the whole session.
      session = await this.call('post', '/api/auth/refresh', { body: { refreshToken: current.refreshToken }, auth: false, retries: 0 });
    } catch (err) {
      if (err instanceof ApiError && err.status < 500) await this.setTokens(undefined);
      throw err;
    }
    return this.storeSession(session);
  }

  /** After a 401 with `failed`: true when a replay is worth it (tokens were refreshed, here or by a concurrent call). */
  async #refreshAfter(failed: Tokens): Promise<boolean> {
    if (this.#refreshing) {
      await this.#refreshing;
      return true;
    }
    const current = await this.#tokens.get();
    if (!current) return false;
    if (current.accessToken !== failed.accessToken) return true;
    await this.refreshSession();
    return true;
  }

  #prepare(method: string, path: string, options: RequestOptions): Prepared {
    const upper = method.toUpperCase();
    const headers: Record<string, string> = {
      accept: 'application/json, application/problem+json',
      'x-request-id': crypto.randomUUID(),
    };
    for (const [name, value] of Object.entries(options.headers ?? {})) headers[name.toLowerCase()] = value;
    headers['user-agent'] = this.#userAgent;
    const key = options.idempotencyKey;
    if (typeof key === 'string' && key.trim() === '') {
      throw new ConnectSphereError('idempotencyKey must be a non-empty string (8 to 100 characters), or true to generate one');
    }
    if (key) headers['idempotency-key'] = key === true ? crypto.randomUUID() : key;
    let body: string | Uint8Array | undefined;
    if (options.rawBody) {
      body = options.rawBody.data;
      headers['content-type'] = options.rawBody.contentType;
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    return {
      method: upper,
      path,
      url: this.baseUrl + (path.startsWith('/') ? path : `/${path}`) + queryString(options.query),
      headers,
      body,
      auth: options.auth ?? true,
      retryable: IDEMPOTENT_METHODS.has(upper) || 'idempotency-key' in headers,
      retries: Math.max(0, options.retries ?? this.#retries),
      timeoutMs: options.timeoutMs ?? this.#timeoutMs,
      signal: options.signal,
      okStatuses: options.okStatuses ?? [],
    };
  }

  /** Attempts a request, retrying what may be retried. Returns the last response or throws the last error. */
  async #send(req: Prepared, accessToken: string | undefined): Promise<RawResponse> {
    const headers = { ...req.headers };
    if (req.auth && accessToken) headers.authorization = `Bearer ${accessToken}`;
    for (let attempt = 0; ; attempt++) {
      const more = req.retryable && attempt < req.retries;
      let res: RawResponse;
      try {
        res = await this.#attempt(req, headers);
      } catch (err) {
        if (!more || !(err instanceof NetworkError || err instanceof TimeoutError)) throw err;
        await this.#wait(this.#backoff(attempt), req.signal);
        continue;
      }
      this.#notify(req, res, attempt);
      if (!more || !RETRY_STATUSES.has(res.status) || req.okStatuses.includes(res.status)) return res;
      const retryAfter = retryAfterMs(res.headers['retry-after']);
      const delay = retryAfter ?? this.#backoff(attempt);
      if (delay > this.#maxRetryDelayMs) return res;
      await this.#wait(delay, req.signal);
    }
  }

  #notify(req: Prepared, res: RawResponse, attempt: number): void {
    try {
      this.#onResponse?.({
        method: req.method,
        path: req.path,
        status: res.status,
        headers: res.headers,
        attempt,
        requestId: req.headers['x-request-id']!,
        replayed: header(res.headers, 'idempotent-replayed') === 'true',
      });
    } catch {
      // A logging hook must not turn an applied request into a failure.
    }
  }

  /** Exponential backoff with jitter: half the step fixed, half random. */
  #backoff(attempt: number): number {
    const step = Math.min(this.#maxRetryDelayMs, this.#retryDelayMs * 2 ** attempt);
    return step / 2 + Math.random() * (step / 2);
  }

  async #wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
    try {
      await sleep(ms, signal);
    } catch {
      throw signal?.reason ?? new ConnectSphereError('aborted');
    }
  }

  async #attempt(req: Prepared, headers: Record<string, string>): Promise<RawResponse> {
    const timer = new AbortController();
    const timeout = setTimeout(() => timer.abort(), req.timeoutMs);
    const signal = req.signal ? AbortSignal.any([timer.signal, req.signal]) : timer.signal;
    try {
      return await this.#http({ method: req.method, url: req.url, headers, body: req.body, signal });
    } catch (err) {
      if (req.signal?.aborted) throw req.signal.reason;
      if (timer.signal.aborted) throw new TimeoutError(req.timeoutMs, req.method, req.path);
      if (isProgrammingError(err)) throw err;
      const reason = (err as { code?: string; message?: string }).code ?? (err as Error).message;
      throw new NetworkError(`${req.method} ${req.path}: ${reason}`, req.method, req.path, { cause: err });
    } finally {
      clearTimeout(timeout);
    }
  }

  #result(req: Prepared, res: RawResponse): unknown {
    const ok = (res.status >= 200 && res.status < 300) || req.okStatuses.includes(res.status);
    const contentType = header(res.headers, 'content-type') ?? '';
    const isJson = /[/+]json\b/i.test(contentType);
    if (ok) {
      if (res.status === 204 || res.bytes.length === 0) return undefined;
      if (isBinary(contentType)) return res.bytes;
      if (!isJson) return textOf(res);
      try {
        return JSON.parse(textOf(res));
      } catch {
        throw new ConnectSphereError(`${req.method} ${req.path}: the response is not valid JSON`);
      }
    }
    const requestId = header(res.headers, 'x-request-id');
    const retryAfter = retryAfterMs(res.headers['retry-after']);
    throw new ApiError(res.status, toProblem(res, isJson), req.method, req.path, {
      requestId,
      retryAfterSeconds: retryAfter === undefined ? undefined : Math.ceil(retryAfter / 1000),
    });
  }
}

const utf8 = new TextDecoder();
const textOf = (res: RawResponse) => utf8.decode(res.bytes);

/**
 * Content returned as bytes rather than text: images but SVG, audio, video, PDF, zip and
 * octet-stream. Kept in step with `BinaryContentType` in types.ts.
 */
function isBinary(contentType: string): boolean {
  return /^\s*(image\/(?!svg\+xml)|audio\/|video\/|application\/(octet-stream|pdf|zip)\b)/i.test(contentType);
}

function toProblem(res: RawResponse, isJson: boolean): Problem {
  if (isJson) {
    try {
      const body = JSON.parse(textOf(res)) as Partial<Problem>;
      if (body && typeof body === 'object' && typeof body.title === 'string') {
        return { ...body, type: body.type ?? 'about:blank', title: body.title, status: body.status ?? res.status };
      }
    } catch {
      // not JSON after all: described below
    }
  }
  // Not a problem document (a proxy's HTML error page, say): describe it as one.
  const detail = isBinary(header(res.headers, 'content-type') ?? '') ? '' : textOf(res).trim().slice(0, 200);
  return { type: 'about:blank', title: `HTTP ${res.status}`, status: res.status, ...(detail ? { detail } : {}) };
}

function header(headers: RawResponse['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `Retry-After` as milliseconds from now: delay-seconds or an HTTP date. */
function retryAfterMs(value: string | string[] | undefined): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') return undefined;
  if (/^\d+$/.test(raw.trim())) return Number(raw) * 1000;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function queryString(query: RequestOptions['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v !== undefined && v !== null) params.append(key, String(v));
    }
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

/** Errors that retrying cannot fix: a bad argument to undici or fetch is our bug, not the network's. */
function isProgrammingError(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_NOT_SUPPORTED' || (err instanceof TypeError && code === undefined);
}

