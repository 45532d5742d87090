// One error type for every deliberate failure; the error handler turns it into RFC 9457 problem+json.

export interface FieldError {
  field: string;
  message: string;
}

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: FieldError[],
    /** Extra members of the problem object (e.g. the current state of a 409). */
    readonly extensions?: Record<string, unknown>,
    readonly headers?: Record<string, string>,
  ) {
    super(detail ?? title);
  }

  get statusCode(): number {
    return this.status;
  }
}

export const problemTypeBase = 'https://connectsphere.dev/problems/';

export const badRequest = (field: string, message: string) =>
  new HttpProblem(400, 'validation', 'Validation failed', `${field}: ${message}`, [{ field, message }]);
export const unauthorized = (detail = 'Sign in to do this') =>
  new HttpProblem(401, 'unauthorized', 'Unauthorized', detail, undefined, undefined, {
    'www-authenticate': 'Bearer realm="connectsphere"',
  });
export const forbidden = (detail = 'Your role may not do this') => new HttpProblem(403, 'forbidden', 'Forbidden', detail);
export const notFound = (what: string) => new HttpProblem(404, 'not-found', 'Not found', `${what} was not found`);
export const conflict = (detail: string, extensions?: Record<string, unknown>) =>
  new HttpProblem(409, 'conflict', 'Conflict', detail, undefined, extensions);
export const tooManyRequests = (retryAfterSeconds: number, detail = 'Too many attempts') =>
  new HttpProblem(429, 'rate-limited', 'Too many requests', `${detail}; retry in ${retryAfterSeconds} s`, undefined, undefined, {
    'retry-after': String(retryAfterSeconds),
  });
