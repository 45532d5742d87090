import type { Problem } from './types.ts';

/** The base of every error this SDK throws, so `catch (e) { if (e instanceof ConnectSphereError) ... }` works. */
export class ConnectSphereError extends Error {
  override name = 'ConnectSphereError';
}

/**
 * The API answered with an error status. `problem` is its RFC 9457 problem+json body (for a
 * validation failure, `problem.errors` names each field, e.g. `body.email`).
 */
export class ApiError extends ConnectSphereError {
  override name = 'ApiError';
  /** The server's `x-request-id` for this response: quote it when reporting a problem. */
  readonly requestId: string | undefined;
  /** From `Retry-After` (429, 503), when the server sent one. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly status: number,
    readonly problem: Problem,
    readonly method: string,
    readonly path: string,
    options: { requestId?: string | undefined; retryAfterSeconds?: number | undefined } = {},
  ) {
    super(`${method} ${path}: ${status} ${problem.title}${problem.detail ? ` (${problem.detail})` : ''}`);
    this.requestId = options.requestId ?? problem.requestId;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** No response arrived: connection refused or reset, DNS failure... (after any retries). */
export class NetworkError extends ConnectSphereError {
  override name = 'NetworkError';
  constructor(
    message: string,
    readonly method: string,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** No complete response within `timeoutMs` (after any retries). */
export class TimeoutError extends ConnectSphereError {
  override name = 'TimeoutError';
  constructor(
    readonly timeoutMs: number,
    readonly method: string,
    readonly path: string,
  ) {
    super(`${method} ${path}: no response within ${timeoutMs} ms`);
  }
}
