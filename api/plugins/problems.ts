import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { badRequest, HttpProblem, problemTypeBase, type FieldError } from '../errors.ts';

interface ValidationIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Turns Ajv's issues into field paths a person can act on: body.location.market, query.limit. */
export function fieldErrors(context: string, issues: ValidationIssue[]): FieldError[] {
  const part = context === 'querystring' ? 'query' : context;
  // An `if`/`then` schema (a field required by the value of another, e.g. an event's type) reports
  // the failing `then` keyword's issue itself and, again, that `then` failed: the first is enough.
  return issues.filter((i) => i.keyword !== 'if').map((i) => {
    const segments = i.instancePath.split('/').filter(Boolean);
    if (i.keyword === 'required') segments.push(String(i.params.missingProperty));
    if (i.keyword === 'additionalProperties') segments.push(String(i.params.additionalProperty));
    const message =
      i.keyword === 'required'
        ? 'is required'
        : i.keyword === 'additionalProperties'
          ? 'is not an allowed field'
          : i.keyword === 'enum'
            ? `must be one of: ${(i.params.allowedValues as unknown[]).join(', ')}`
            : (i.message ?? 'is invalid');
    return { field: [part, ...segments].join('.'), message };
  });
}

/** The problem+json body of a problem; without a request (a connection refused before one) it names none. */
export function problemBody(problem: HttpProblem, request?: { url: string; id: string }) {
  return {
    type: problemTypeBase + problem.slug,
    title: problem.title,
    status: problem.status,
    ...(problem.detail ? { detail: problem.detail } : {}),
    ...(request ? { instance: request.url.split('?')[0], requestId: request.id } : {}),
    ...(problem.errors ? { errors: problem.errors } : {}),
    ...problem.extensions,
  };
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, problem: HttpProblem) {
  for (const [k, v] of Object.entries(problem.headers ?? {})) reply.header(k, v);
  return reply.code(problem.status).type('application/problem+json').serializer(JSON.stringify).send(problemBody(problem, request));
}

/**
 * Node's HTTP parser refuses some requests before Fastify sees them (a header with a control
 * character, a malformed request line, headers too large): they get a problem too, written on the
 * socket, then the connection is closed, as Node does.
 */
export function clientErrorResponse(err: NodeJS.ErrnoException): string {
  const problem =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? new HttpProblem(431, 'headers-too-large', 'Request header fields too large', 'The request headers are too large')
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new HttpProblem(408, 'request-timeout', 'Request timeout', 'The request took too long to arrive')
        : badRequest('headers', 'is not a valid HTTP request (a header holds a control character, or a line is malformed)');
  const body = JSON.stringify(problemBody(problem));
  const reason = problem.status === 431 ? 'Request Header Fields Too Large' : problem.status === 408 ? 'Request Timeout' : 'Bad Request';
  return `HTTP/1.1 ${problem.status} ${reason}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/** Maps Fastify's own errors (bad JSON, too large, wrong media type) to problems. */
function fromFastifyError(error: FastifyError): HttpProblem | undefined {
  if (error.validation) {
    const errors = fieldErrors(error.validationContext ?? 'body', error.validation as ValidationIssue[]);
    return new HttpProblem(400, 'validation', 'Validation failed', errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpProblem(413, 'payload-too-large', 'Payload too large', error.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HttpProblem(415, 'unsupported-media-type', 'Unsupported media type', 'Send application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return badRequest('body', 'is required');
    // Fastify parses JSON with secure-json-parse, which also refuses __proto__ and constructor.prototype
    // keys (prototype poisoning) with this same error.
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return badRequest('body', 'is not valid JSON (or holds a __proto__ or constructor.prototype key)');
    case 'FST_ERR_BAD_URL':
      return badRequest('path', 'is not valid URL encoding (percent-encoded UTF-8)');
  }
  if (error.statusCode === 400 && error instanceof SyntaxError) {
    return badRequest('body', 'is not valid JSON');
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    const title = error.statusCode === 400 ? 'Bad request' : 'Client error';
    return new HttpProblem(error.statusCode, 'client-error', title, error.message, error.statusCode === 400 ? [{ field: 'request', message: error.message }] : undefined);
  }
  return undefined;
}

/** Errors raised by the router itself, before any route runs. */
export function frameworkProblem(error: FastifyError): HttpProblem {
  return fromFastifyError(error) ?? new HttpProblem(400, 'client-error', 'Bad request', error.message, [{ field: 'request', message: error.message }]);
}

export function registerProblems(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const problem = error instanceof HttpProblem ? error : fromFastifyError(error);
    if (problem) {
      request.log.info({ status: problem.status, problem: problem.slug, detail: problem.detail }, 'request refused');
      return sendProblem(reply, request, problem);
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(reply, request, new HttpProblem(500, 'internal', 'Internal server error', 'Something went wrong; quote the request id when reporting it'));
  });
}

/** Unknown routes answer 404 problem+json, rate-limited per address because scanners probe them. */
export function registerNotFound(app: FastifyInstance, perMinute: number): void {
  app.setNotFoundHandler(
    { preHandler: app.rateLimit({ max: perMinute, timeWindow: '1 minute' }) },
    (request, reply) => sendProblem(reply, request, new HttpProblem(404, 'not-found', 'Not found', `No route ${request.method} ${request.url.split('?')[0]}`)),
  );
}
