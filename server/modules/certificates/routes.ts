import { readFileSync } from 'node:fs';

import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

import type { Db } from '../../db/index.js';
import { NotFound } from '../../http/errors.js';
import { ifNoneMatch } from '../../http/etag.js';
import { dataPath } from '../../paths.js';
import type { Limiter } from '../../platform/limits.js';
import type { InternationalCertificates } from './international.js';
import {
  certificateJwks,
  dccTrustList,
  didDocumentResponse,
  revocationsQuery,
  revocationsResponse,
  shcCrlParams,
  shcRevocationList,
  verifyBody,
  verifyResponse,
} from './schemas.js';
import type { CertificateService } from './service.js';
import type { ShcRevocations } from './shc-revocations.js';

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
  international,
  shcRevocations,
  verifyLimiter,
}: {
  db: Db;
  service: CertificateService;
  international: InternationalCertificates;
  shcRevocations: ShcRevocations;
  verifyLimiter: Limiter;
}): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    app.post(
      '/api/v1/certificates/verify',
      {
        schema: {
          tags: ['certificates'],
          summary:
            'Verify the text of a certificate QR code (public): TK1: (W3C VC), shc:/ (SMART Health Card) or HC1: (EU DCC)',
          body: verifyBody,
          response: { 200: verifyResponse },
        },
      },
      async (request) => {
        await verifyLimiter.consumeOrThrow(request.ip);
        return international.verifyAny(db, request.body.qr, service);
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
            'Certificate issuer keys as a JWKS (every generation, so old certificates verify): Ed25519 (EdDSA) for W3C VCs, P-256 (ES256) for SMART Health Cards',
          response: { 200: certificateJwks },
        },
      },
      async (_request, reply) => {
        void reply.header('cache-control', 'public, max-age=300');
        const [vc, shc] = [await service.jwks(db), await international.jwks(db)];
        return { keys: [...vc.keys, ...shc] };
      },
    );
    app.get(
      '/.well-known/crl/:file',
      {
        schema: {
          tags: ['certificates'],
          summary:
            "The Card Revocation List of a SMART Health Card key (`/.well-known/crl/<kid>.json`): the rids of revoked cards; `ctr` is the key's crlVersion",
          params: shcCrlParams,
          response: { 200: shcRevocationList, 304: z.null().describe('Not modified') },
        },
      },
      async (request, reply) => {
        const kid = request.params.file.slice(0, -'.json'.length);
        const list = await shcRevocations.list(db, kid);
        if (!list) throw new NotFound('No SMART Health Card key has this kid.', 'unknown-key');
        // A verifier fetches the list when a key's crlVersion passes the ctr it holds; in
        // between it revalidates for the price of a count.
        const etag = `"crl-${list.ctr}"`;
        void reply.header('cache-control', 'public, max-age=60').header('etag', etag);
        if (ifNoneMatch(request.headers['if-none-match'], etag)) return reply.code(304).send(null);
        return list;
      },
    );
    app.get(
      '/.well-known/dcc/trust-list.json',
      {
        schema: {
          tags: ['certificates'],
          summary:
            'EU DCC trust list entries: the country signing CA and every document signer certificate (DER base64 and PEM), with their kids',
          response: { 200: dccTrustList },
        },
      },
      async (_request, reply) => {
        void reply.header('cache-control', 'public, max-age=300');
        return international.trustList(db);
      },
    );
    app.get(
      '/.well-known/dcc/certificates.pem',
      {
        schema: {
          tags: ['certificates'],
          summary: 'The EU DCC CSCA and document signer certificates as one PEM bundle',
        },
      },
      async (_request, reply) => {
        const { certificates } = await international.trustList(db);
        return reply
          .type('application/x-pem-file')
          .header('cache-control', 'public, max-age=300')
          .send(certificates.map((c) => c.pem).join(''));
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
