import type { Server } from 'node:http';

import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

import type { Config } from '../../config.js';
import { sendProblem } from '../problem.js';
import { EDGE_LIMITS } from './policy.js';

/**
 * Mozilla's "intermediate" TLS 1.2 suites: forward secrecy and AEAD only. TLS 1.3 suites
 * are all modern and are left to OpenSSL's defaults.
 */
export const TLS_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

export const TLS_HARDENING = {
  minVersion: 'TLSv1.2' as const,
  ciphers: TLS_CIPHERS,
  honorCipherOrder: true,
};

/**
 * Node's own limits on the listening socket and the TLS settings, for Fastify's
 * constructor. `https` holds the certificate and key when TLS is on.
 */
export function edgeServerOptions({ edge }: Config, https: { cert: Buffer; key: Buffer } | null) {
  const node = {
    // Node answers 431 itself beyond this; the firewall refuses smaller excesses as problem+json.
    maxHeaderSize: EDGE_LIMITS.maxHeaderBytes * 2,
    connectionsCheckingInterval: EDGE_LIMITS.connectionsCheckingIntervalMs,
  };
  return {
    ...(https ? { https: { ...https, ...TLS_HARDENING, ...node } } : { http: node }),
    requestTimeout: edge.requestTimeoutMs,
    keepAliveTimeout: edge.keepAliveTimeoutMs,
    maxRequestsPerSocket: EDGE_LIMITS.maxRequestsPerSocket,
    frameworkErrors: routingError,
    onProtoPoisoning: 'error' as const,
    onConstructorPoisoning: 'error' as const,
  };
}

/** Slow-client protection that Fastify's constructor does not take; applied once the server exists. */
export function applyConnectionLimits(server: Server, { edge }: Config) {
  // A slowloris client trickles headers: cut it off when they are not complete in time.
  server.headersTimeout = edge.headersTimeoutMs;
  server.maxConnections = edge.maxConnections;
  // Node silently drops fields past this count; one more than the limit lets the firewall see and refuse.
  server.maxHeadersCount = EDGE_LIMITS.maxHeaderCount + 1;
}

/**
 * Errors the router raises before any hook runs (a malformed URL, a path parameter over
 * maxParamLength): Fastify's own answer would echo the URL back, so answer problem+json.
 */
function routingError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  void reply.header('x-request-id', request.id); // no hooks run for these
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH')
    return sendProblem(
      request,
      reply,
      414,
      'uri-too-long',
      'A path segment is longer than this service accepts.',
    );
  return sendProblem(request, reply, 400, 'bad-path', 'The URL is malformed.');
}
