import { STATUS_CODES } from 'node:http';

import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import FindMyWay, { type HTTPMethod } from 'find-my-way';

import { databaseRefusal } from '../db/errors.js';
import { AppError } from './errors.js';

/** Problem details (RFC 9457). `code` is stable; `type` is derived from it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  requestId: string;
  errors?: { path: string; message: string }[];
}

/**
 * CoWIN API v2 clients read `{"errorCode", "error"}`. On /api/v2 every problem also carries
 * them: `errorCode` is the stable `code` in CoWIN's upper-case style (`otp-wrong` ->
 * `OTP_WRONG`), `error` is the `detail`. docs/cowin-v2.md lists them.
 */
export function cowinErrorCode(code: string): string {
  return code.toUpperCase().replaceAll('-', '_');
}

function cowinMembers(request: FastifyRequest, code: string, detail: string) {
  return /^\/api\/v2(\/|\?|$)/.test(request.url)
    ? { errorCode: cowinErrorCode(code), error: detail }
    : {};
}

const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body-too-large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid-content-length',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed-json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed-json',
  FST_ERR_VALIDATION: 'invalid',
};

const DETAILS: Record<string, string> = {
  'body-too-large': 'The request body is larger than this endpoint accepts.',
  'unsupported-media-type': 'This endpoint does not accept that Content-Type.',
  'malformed-json': 'The request body is not valid JSON.',
  'invalid-content-length': 'The Content-Length header does not match the body.',
};

const problemCodes = new WeakMap<FastifyReply, string>();

/** The stable code of the problem this reply answered with, if it was one. */
export function problemCodeOf(reply: FastifyReply): string | undefined {
  return problemCodes.get(reply);
}

export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  code: string,
  detail: string,
  extra: Pick<Problem, 'errors'> & { members?: Record<string, string> } = {},
) {
  const { members, ...rest } = extra;
  const problem: Problem = {
    // First, so that an extension member never overrides a standard one; a member the
    // thrower set itself wins over the CoWIN pair.
    ...cowinMembers(request, code, detail),
    ...members,
    type: `urn:teeka:problem:${code}`,
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    code,
    requestId: request.id,
    ...rest,
  };
  problemCodes.set(reply, code);
  return reply
    .code(status)
    .type('application/problem+json; charset=utf-8')
    .send(JSON.stringify(problem));
}

function toProblem(error: FastifyError | Error): {
  status: number;
  code: string;
  detail: string;
  errors?: Problem['errors'];
  members?: Record<string, string>;
} {
  if (error instanceof AppError) {
    return {
      status: error.status,
      code: error.code,
      detail: error.message,
      ...(error.extra.errors ? { errors: error.extra.errors } : {}),
      ...(error.extra.members ? { members: error.extra.members } : {}),
    };
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    return {
      status: 400,
      code: 'invalid',
      detail: 'The request does not match what this endpoint expects.',
      errors: (error.validation as { instancePath: string; message?: string }[]).map((v) => ({
        path: `${error.validationContext ?? 'request'}${v.instancePath.replaceAll('/', '.')}`,
        message: v.message ?? 'invalid',
      })),
    };
  }
  const status =
    'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : 500;
  if (status >= 400 && status < 500) {
    const code =
      ('code' in error && FASTIFY_CODES[error.code]) ||
      (STATUS_CODES[status] ?? 'error').toLowerCase().replaceAll(' ', '-');
    return { status, code, detail: DETAILS[code] ?? STATUS_CODES[status] ?? 'Bad request.' };
  }
  if (status === 503)
    return {
      status,
      code: 'unavailable',
      detail: 'The service is briefly unavailable; try again shortly.',
    };
  return {
    status: 500,
    code: 'internal',
    detail: 'Something went wrong on our side. It has been logged; try again later.',
  };
}

/** One handler for every error, every unknown route and every wrong method. */
export function registerProblemHandling(app: FastifyInstance) {
  // A shadow router answers "does this path exist for another method?" so that a wrong
  // method gets 405 with Allow, not 404. find-my-way is the router Fastify itself uses.
  const shadow = FindMyWay();
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (!shadow.hasRoute(method as HTTPMethod, route.url))
        shadow.on(method as HTTPMethod, route.url, () => undefined);
    }
  });

  app.setErrorHandler((raw: FastifyError, request, reply) => {
    const error = databaseRefusal(raw) ?? raw;
    const problem = toProblem(error);
    if (problem.status >= 500 && !(error instanceof AppError && error.extra.expected)) {
      request.log.error({ err: raw }, 'request failed');
    } else {
      request.log.info({ problem: problem.code, status: problem.status }, 'request refused');
    }
    if (error instanceof AppError && error.extra.retryAfterSeconds !== undefined) {
      void reply.header(
        'retry-after',
        String(Math.max(1, Math.ceil(error.extra.retryAfterSeconds))),
      );
    }
    return sendProblem(request, reply, problem.status, problem.code, problem.detail, {
      ...(problem.errors ? { errors: problem.errors } : {}),
      ...(problem.members ? { members: problem.members } : {}),
    });
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const allowed = (['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const).filter((m) =>
      shadow.find(m, path),
    );
    if (allowed.length > 0) {
      void reply.header(
        'allow',
        [...allowed, ...(allowed.includes('GET') ? ['HEAD'] : [])].join(', '),
      );
      return sendProblem(
        request,
        reply,
        405,
        'method-not-allowed',
        `This path does not accept ${request.method}.`,
      );
    }
    // The web app routes in the browser: a page address it owns gets its index.html.
    if (
      request.method === 'GET' &&
      !/^\/(api|docs)(\/|$)/.test(path) &&
      request.headers.accept?.includes('text/html')
    ) {
      return reply.type('text/html; charset=utf-8').sendFile('index.html');
    }
    return sendProblem(request, reply, 404, 'not-found', 'There is nothing at this path.');
  });
}
