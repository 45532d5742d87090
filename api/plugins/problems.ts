import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpProblem, problemTypeBase, type FieldError } from '../errors.ts';

interface ValidationIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Turns Ajv's issues into field paths a person can act on: body.location.market, query.limit. */
export function fieldErrors(context: string, issues: ValidationIssue[]): FieldError[] {
  const part = context === 'querystring' ? 'query' : context;
  return issues.map((i) => {
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

export function sendProblem(reply: FastifyReply, request: FastifyRequest, problem: HttpProblem) {
  for (const [k, v] of Object.entries(problem.headers ?? {})) reply.header(k, v);
  return reply
    .code(problem.status)
    .type('application/problem+json')
    .serializer(JSON.stringify)
    .send({
      type: problemTypeBase + problem.slug,
      title: problem.title,
      status: problem.status,
      ...(problem.detail ? { detail: problem.detail } : {}),
      instance: request.url.split('?')[0],
      requestId: request.id,
      ...(problem.errors ? { errors: problem.errors } : {}),
      ...problem.extensions,
    });
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
      return new HttpProblem(400, 'validation', 'Validation failed', 'body: is required', [{ field: 'body', message: 'is required' }]);
  }
  if (error.statusCode === 400 && error instanceof SyntaxError) {
    return new HttpProblem(400, 'malformed-json', 'Malformed JSON', error.message, [{ field: 'body', message: 'is not valid JSON' }]);
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return new HttpProblem(error.statusCode, 'client-error', error.name || 'Bad request', error.message);
  }
  return undefined;
}

/** Errors raised by the router itself, before any route runs. */
export function frameworkProblem(error: FastifyError): HttpProblem {
  return fromFastifyError(error) ?? new HttpProblem(400, 'bad-request', 'Bad request', error.message);
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
