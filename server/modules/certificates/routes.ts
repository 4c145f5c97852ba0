import { readFileSync } from 'node:fs';

import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';

import { ed25519Jwks } from '../../crypto/jwks.js';
import type { Db } from '../../db/index.js';
import { dataPath } from '../../paths.js';
import type { Limiter } from '../../platform/limits.js';
import {
  didDocumentResponse,
  revocationsQuery,
  revocationsResponse,
  verifyBody,
  verifyResponse,
} from './schemas.js';
import type { CertificateService } from './service.js';

// A fixed file shipped in data/, read once at start; no request input reaches the path.
// eslint-disable-next-line security/detect-non-literal-fs-filename
const vaccinationContext = readFileSync(dataPath('credentials', 'vaccination-v1.jsonld'), 'utf8');

/**
 * Public certificate endpoints: nothing here returns a person's certificate. Verification
 * only reads back what the QR already holds; the keys, the context and the revocation list
 * are public by design.
 */
export function certificateRoutes({
  db,
  service,
  verifyLimiter,
}: {
  db: Db;
  service: CertificateService;
  verifyLimiter: Limiter;
}): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    app.post(
      '/api/v1/certificates/verify',
      {
        schema: {
          tags: ['certificates'],
          summary: 'Verify the text of a certificate QR code (public)',
          body: verifyBody,
          response: { 200: verifyResponse },
        },
      },
      async (request) => {
        await verifyLimiter.consumeOrThrow(request.ip);
        return service.verify(db, request.body.qr);
      },
    );
    app.get(
      '/api/v1/certificates/revocations',
      {
        schema: {
          tags: ['certificates'],
          summary: 'The revocation list: revoked certificate ids, oldest first, paged',
          querystring: revocationsQuery,
          response: { 200: revocationsResponse },
        },
      },
      (request) => service.revocations(db, request.query.after),
    );
    app.get(
      '/.well-known/jwks.json',
      {
        schema: {
          tags: ['certificates'],
          summary:
            'Certificate issuer keys as a JWKS (every generation, so old certificates verify)',
          response: { 200: ed25519Jwks },
        },
      },
      async (_request, reply) => {
        void reply.header('cache-control', 'public, max-age=300');
        return service.jwks(db);
      },
    );
    app.get(
      '/.well-known/did.json',
      {
        schema: {
          tags: ['certificates'],
          summary: 'The issuer did:web document (Multikey verification methods)',
          response: { 200: didDocumentResponse },
        },
      },
      async (_request, reply) => {
        void reply.header('cache-control', 'public, max-age=300');
        return service.didDocument(db);
      },
    );
    app.get(
      '/credentials/vaccination/v1',
      {
        schema: {
          tags: ['certificates'],
          summary: 'The JSON-LD context of vaccination credentials',
        },
      },
      (_request, reply) =>
        reply
          .type('application/ld+json')
          .header('cache-control', 'public, max-age=86400')
          .send(vaccinationContext),
    );
    done();
  };
}
