import type { FastifyInstance, FastifyRequest } from 'fastify';

import type { EdgeConfig } from '../../config.js';
import type { Limits } from '../../platform/limits.js';
import { AppError, RateLimited } from '../errors.js';
import { EDGE_LIMITS } from './policy.js';
import { type Finding, screenInput } from './screening.js';

/**
 * The application firewall: cheap checks on the raw request first (per-IP budget, URL,
 * path, headers, content type), then a walk over the parsed params, query and body
 * before schema validation. Every refusal is problem+json, logged with the request id
 * and a rule id, never with the offending value.
 */
export function registerFirewall(
  app: FastifyInstance,
  { edge, limits }: { edge: EdgeConfig; limits: Limits },
) {
  const perIp = limits.limiter({
    name: 'edge-ip',
    points: edge.ipRateLimitPerMinute,
    durationSeconds: 60,
  });

  app.addHook('onRequest', async (request) => {
    let decision;
    try {
      decision = await perIp.consume(request.ip);
    } catch (error) {
      // Counters unreachable and no fallback answered: serving beats refusing everyone.
      request.log.warn({ err: error }, 'per-IP limit could not be checked');
    }
    // Not logged here: under a flood, one line per refusal would be the next bottleneck.
    if (decision && !decision.allowed) {
      throw new RateLimited(
        decision.retryAfterSeconds,
        'Too many requests from your address; try again later.',
      );
    }
  });

  if (edge.firewall === 'off') return;

  app.addHook('onRequest', (request, _reply, done) => {
    done(checkRawRequest(request));
  });

  // JSON.parse keeps a "__proto__" key as an own property (harmless until merged), so the
  // walk below can refuse it with its rule id; Fastify's onProtoPoisoning stays the backstop.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(new AppError(400, 'malformed-json', 'The request body is empty; send a JSON document.'));
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new AppError(400, 'malformed-json', 'The request body is not valid JSON.'));
    }
  });

  app.addHook('preValidation', (request, _reply, done) => {
    const route = request.routeOptions.config.firewall ?? {};
    const options = {
      maxDepth: route.maxDepth ?? EDGE_LIMITS.maxDepth,
      maxArrayLength: route.maxArrayLength ?? EDGE_LIMITS.maxArrayLength,
      unscreened: new Set(route.unscreenedFields ?? []),
      patterns: route.screen !== false,
    };
    for (const [name, value] of [
      ['params', request.params],
      ['query', request.query],
      ['body', request.body],
    ] as const) {
      const finding = screenInput(value, name, options);
      const refusal = finding && enforce(request, finding, edge.firewall);
      if (refusal) {
        done(refusal);
        return;
      }
    }
    done();
  });
}

/** Checks on the raw request, before anything is parsed. */
function checkRawRequest(request: FastifyRequest): AppError | undefined {
  const url = request.raw.url ?? '/';
  if (url.length > EDGE_LIMITS.maxUrlLength) {
    refuse(request, { rule: 'url-length', location: 'url', action: 'blocked' });
    return new AppError(414, 'uri-too-long', 'The URL is longer than this service accepts.');
  }
  if (!isNormalPath(url.split('?', 1)[0] ?? '')) {
    refuse(request, { rule: 'path-normalisation', location: 'url', action: 'blocked' });
    return new AppError(
      400,
      'bad-path',
      'The path holds a dot segment, an encoded slash or a NUL character.',
    );
  }
  const raw = request.raw.rawHeaders;
  if (raw.length / 2 > EDGE_LIMITS.maxHeaderCount) {
    refuse(request, { rule: 'header-count', location: 'headers', action: 'blocked' });
    return new AppError(431, 'too-many-headers', 'The request has too many header fields.');
  }
  if (raw.reduce((sum, part) => sum + part.length, 0) > EDGE_LIMITS.maxHeaderBytes) {
    refuse(request, { rule: 'header-size', location: 'headers', action: 'blocked' });
    return new AppError(431, 'headers-too-large', 'The request headers are too large.');
  }
  if (hasBody(request) && !request.is404) {
    const allowed =
      request.routeOptions.config.firewall?.contentTypes ??
      (request.routeOptions.schema?.body ? ['application/json'] : []);
    const mediaType = (request.headers['content-type'] ?? '')
      .split(';', 1)[0]
      ?.trim()
      .toLowerCase();
    // Many clients send `{}` (or another JSON value of at most 2 bytes) to endpoints that
    // take no body; that carries nothing and is let through, and the route ignores it.
    const emptyJson =
      allowed.length === 0 &&
      mediaType === 'application/json' &&
      Number(request.headers['content-length'] ?? Infinity) <= 2;
    if (!emptyJson && (!mediaType || !allowed.includes(mediaType))) {
      refuse(request, {
        rule: 'content-type',
        location: 'headers.content-type',
        action: 'blocked',
      });
      return new AppError(
        415,
        'unsupported-media-type',
        allowed.length === 0
          ? 'This endpoint takes no request body.'
          : `This endpoint accepts ${allowed.join(' or ')}.`,
      );
    }
  }
  return undefined;
}

function enforce(
  request: FastifyRequest,
  finding: Finding,
  mode: EdgeConfig['firewall'],
): AppError | undefined {
  if (finding.heuristic && mode === 'report') {
    refuse(request, { rule: finding.rule, location: finding.location, action: 'reported' });
    return undefined;
  }
  refuse(request, { rule: finding.rule, location: finding.location, action: 'blocked' });
  switch (finding.rule) {
    case 'json-depth':
      return new AppError(400, 'too-deep', 'The request body is nested too deeply.');
    case 'array-length':
      return new AppError(400, 'array-too-long', 'A list in the request is longer than allowed.');
    case 'invalid-characters':
      return new AppError(
        400,
        'invalid-characters',
        'The request holds a NUL or broken Unicode character.',
      );
    case 'prototype-pollution':
    case 'nosql-operator':
      return new AppError(
        400,
        'forbidden-key',
        'The request uses a field name that is not allowed.',
      );
    case 'sqli':
    case 'xss':
    case 'path-traversal':
    case 'command-injection':
      return new AppError(
        403,
        'blocked',
        'The request was refused because it resembles an attack.',
      );
  }
}

function refuse(
  request: FastifyRequest,
  event: { rule: string; location: string; action: 'blocked' | 'reported' },
) {
  // The location names fields only; the value may be a person's data and is never logged.
  request.log.warn(
    { firewall: { ...event, location: event.location.slice(0, 200) } },
    event.action === 'blocked'
      ? 'firewall refused the request'
      : 'firewall would refuse the request',
  );
}

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return (
    (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined
  );
}

const ENCODED_SEPARATOR_OR_NUL = /%2f|%5c|%00|\\/i;

/** No dot segments (plain or percent-encoded), encoded slashes, backslashes or NUL. */
export function isNormalPath(path: string): boolean {
  if (ENCODED_SEPARATOR_OR_NUL.test(path) || path.includes('\u0000')) return false;
  return path.split('/').every((segment) => {
    const decoded = segment.replace(/%2e/gi, '.');
    return decoded !== '.' && decoded !== '..';
  });
}
