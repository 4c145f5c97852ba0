import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import QRCode from 'qrcode';
import { z } from 'zod';

import type { Db } from '../../db/index.js';
import { requestContext } from '../../http/context.js';
import { AppError, NotFound } from '../../http/errors.js';
import type { Limiter } from '../../platform/limits.js';
import type { AuditService } from '../audit/service.js';
import { beneficiaryReferenceId } from '../beneficiaries/schemas.js';
import type { BeneficiaryService } from '../beneficiaries/service.js';
import { decided } from '../citizen-auth/decided.js';
import type { CitizenGuard } from '../citizen-auth/guard.js';
import type { InternationalCertificates } from './international.js';
import type { PdfCache } from './pdf-cache.js';
import { vaccinationCredential } from './schemas.js';
import type { Certificate, CertificateService } from './service.js';

type DownloadFormat = 'pdf' | 'w3c-vc' | 'smart-health-card' | 'eu-dcc';

const refParams = z.strictObject({ beneficiary_reference_id: beneficiaryReferenceId });

const certificateResponse = z.object({
  beneficiary_reference_id: z.string(),
  certificate_id: z.string(),
  kind: z.enum(['provisional', 'final', 'precaution']),
  dose: z.number().int(),
  issued_at: z.string(),
  revoked: z.boolean(),
  credential: vaccinationCredential,
  /** What the certificate's QR code carries (`TK1:`...). */
  qr_text: z.string(),
});
const shcQrResponse = z.object({ qr_text: z.string() });
const dccResponse = z.object({
  qr_text: z.string(),
  certificate_identifier: z.string(),
  expires_at: z.string(),
});

const attachment = (name: string) => `attachment; filename="${name}"`;

/**
 * A citizen's own certificates, in every format: the CoWIN PDF download, the signed W3C VC,
 * a SMART Health Card and an EU DCC. The beneficiary must be under the caller's mobile (the
 * same 404 as an unknown one otherwise), and every download is audited: who (the citizen's
 * mobile reference), which beneficiary, which format and certificate; no name or number.
 */
export function certificateDownloadRoutes({
  db,
  certificates,
  international,
  pdfs,
  beneficiaries,
  guard,
  appKey,
  audit,
  downloadLimiter,
}: {
  db: Db;
  certificates: CertificateService;
  international: InternationalCertificates;
  pdfs: Pick<PdfCache, 'pdfFor'>;
  beneficiaries: BeneficiaryService;
  guard: CitizenGuard;
  appKey: (request: FastifyRequest) => Promise<void>;
  audit: AuditService;
  downloadLimiter: Limiter;
}): FastifyPluginCallbackZod {
  /**
   * The caller's current certificate for `ref`, and `produce(tx, certificate)` made in the
   * same transaction as the audit record of the download (signing needs the key table).
   */
  async function download<T>(
    request: FastifyRequest,
    ref: string,
    format: DownloadFormat,
    produce: (tx: Db, certificate: Certificate) => Promise<T> | T,
  ): Promise<{ certificate: Certificate; made: T }> {
    const citizen = await guard.requireCitizen(request);
    // PDFs and signatures cost CPU: one account cannot keep a core busy.
    await downloadLimiter.consumeOrThrow(citizen.mobileRef);
    const record = (tx: Db, outcome: 'allowed' | 'denied', details: object, reason?: string) =>
      audit.record(
        tx,
        {
          actor: { type: 'citizen', id: citizen.mobileRef },
          action: 'certificate.download',
          subject: { type: 'beneficiary', id: ref },
          outcome,
          ...(reason ? { reason } : {}),
          details: { format, ...details },
        },
        requestContext(request),
      );
    return decided<{ certificate: Certificate; made: T }>(db, async (tx) => {
      try {
        await beneficiaries.requireOwned(tx, citizen, [ref]);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        await record(tx, 'denied', {}, 'not-owned-or-missing');
        return { error };
      }
      const certificate = await certificates.getCertificateForBeneficiary(tx, ref);
      if (!certificate) {
        await record(tx, 'denied', {}, 'no-certificate');
        return {
          error: new NotFound('This beneficiary has no certificate yet.', 'certificate-not-found'),
        };
      }
      let made: T;
      try {
        made = await produce(tx, certificate);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        await record(tx, 'denied', { certificate_id: certificate.certificateId }, error.code);
        return { error };
      }
      await record(tx, 'allowed', { certificate_id: certificate.certificateId });
      return { value: { certificate, made } };
    });
  }

  const sendPng = async (reply: FastifyReply, png: Promise<Buffer>, name: string) =>
    reply
      .type('image/png')
      .header('content-disposition', attachment(name))
      .header('cache-control', 'private, no-store')
      .send(await png);

  return (app, _options, done) => {
    const citizenOnly = { preHandler: guard.preHandler };
    // The same download at CoWIN's protected path, for a registered app's key (checked
    // first) and a token obtained through it.
    for (const [path, preHandler] of [
      ['/api/v2/registration/certificate/public/download', [guard.preHandler]],
      ['/api/v2/registration/certificate/download', [appKey, guard.preHandler]],
    ] as const) {
      app.get(
        path,
        {
          preHandler: [...preHandler],
          schema: {
            tags: ['certificates'],
            summary: 'The PDF of a beneficiary’s current certificate (CoWIN v2; the caller’s own)',
            querystring: refParams,
            produces: ['application/pdf'],
          },
        },
        async (request, reply) => {
          const ref = request.query.beneficiary_reference_id;
          const { certificate } = await download(request, ref, 'pdf', () => undefined);
          // The PDF the certificate.issued consumer kept; rendered (after the transaction, and
          // kept) here when the consumer has not reached it yet.
          const pdf = await pdfs.pdfFor(certificate);
          return reply
            .type('application/pdf')
            .header('content-disposition', attachment(`teeka-certificate-${ref}.pdf`))
            .header('cache-control', 'private, no-store')
            .send(pdf);
        },
      );
    }
    app.get(
      '/api/v1/me/certificates/:beneficiary_reference_id',
      {
        ...citizenOnly,
        schema: {
          tags: ['certificates'],
          summary: 'A beneficiary’s current certificate as the signed W3C Verifiable Credential',
          params: refParams,
          response: { 200: certificateResponse },
        },
      },
      async (request, reply) => {
        const ref = request.params.beneficiary_reference_id;
        const { certificate: c } = await download(request, ref, 'w3c-vc', () => undefined);
        void reply.header('cache-control', 'private, no-store');
        return {
          beneficiary_reference_id: c.beneficiaryReferenceId,
          certificate_id: c.certificateId,
          kind: c.kind,
          dose: c.dose,
          issued_at: c.issuedAt.toISOString(),
          revoked: c.revoked,
          credential: c.credential,
          qr_text: c.qrText,
        };
      },
    );
    app.get(
      '/api/v1/me/certificates/:beneficiary_reference_id/smart-health-card',
      {
        ...citizenOnly,
        schema: {
          tags: ['certificates'],
          summary: 'The current certificate as a SMART Health Card file (.smart-health-card)',
          params: refParams,
          produces: ['application/smart-health-card'],
        },
      },
      async (request, reply) => {
        const ref = request.params.beneficiary_reference_id;
        const { made } = await download(request, ref, 'smart-health-card', (tx, c) =>
          international.smartHealthCard(tx, c),
        );
        return reply
          .type('application/smart-health-card')
          .header('content-disposition', attachment(`teeka-${ref}.smart-health-card`))
          .header('cache-control', 'private, no-store')
          .send(JSON.stringify({ verifiableCredential: [made.jws] }));
      },
    );
    app.get(
      '/api/v1/me/certificates/:beneficiary_reference_id/smart-health-card/qr',
      {
        ...citizenOnly,
        schema: {
          tags: ['certificates'],
          summary: 'The current certificate’s SMART Health Card QR text (shc:/...)',
          params: refParams,
          response: { 200: shcQrResponse },
        },
      },
      async (request, reply) => {
        const ref = request.params.beneficiary_reference_id;
        const { made } = await download(request, ref, 'smart-health-card', (tx, c) =>
          international.smartHealthCard(tx, c),
        );
        void reply.header('cache-control', 'private, no-store');
        return { qr_text: made.qrText };
      },
    );
    app.get(
      '/api/v1/me/certificates/:beneficiary_reference_id/smart-health-card/qr.png',
      {
        ...citizenOnly,
        schema: {
          tags: ['certificates'],
          summary: 'The SMART Health Card QR code as a PNG (byte "shc:/" + numeric segments)',
          params: refParams,
          produces: ['image/png'],
        },
      },
      async (request, reply) => {
        const ref = request.params.beneficiary_reference_id;
        const { made } = await download(request, ref, 'smart-health-card', (tx, c) =>
          international.smartHealthCard(tx, c),
        );
        const segments = [
          { data: Buffer.from(made.qrText.slice(0, 5)), mode: 'byte' as const },
          { data: made.qrText.slice(5), mode: 'numeric' as const },
        ];
        return sendPng(
          reply,
          QRCode.toBuffer(segments, { errorCorrectionLevel: 'L', margin: 4, scale: 4 }),
          `teeka-${ref}-smart-health-card.png`,
        );
      },
    );
    app.get(
      '/api/v1/me/certificates/:beneficiary_reference_id/eu-dcc',
      {
        ...citizenOnly,
        schema: {
          tags: ['certificates'],
          summary: 'The current certificate as an EU Digital COVID Certificate (HC1: text)',
          params: refParams,
          response: { 200: dccResponse },
        },
      },
      async (request, reply) => {
        const ref = request.params.beneficiary_reference_id;
        const { made } = await download(request, ref, 'eu-dcc', (tx, c) =>
          international.euDcc(tx, c),
        );
        void reply.header('cache-control', 'private, no-store');
        return {
          qr_text: made.qrText,
          certificate_identifier: made.uvci,
          expires_at: made.expiresAt.toISOString(),
        };
      },
    );
    app.get(
      '/api/v1/me/certificates/:beneficiary_reference_id/eu-dcc/qr.png',
      {
        ...citizenOnly,
        schema: {
          tags: ['certificates'],
          summary: 'The EU DCC QR code as a PNG (alphanumeric mode, error correction Q)',
          params: refParams,
          produces: ['image/png'],
        },
      },
      async (request, reply) => {
        const ref = request.params.beneficiary_reference_id;
        const { made } = await download(request, ref, 'eu-dcc', (tx, c) =>
          international.euDcc(tx, c),
        );
        return sendPng(
          reply,
          QRCode.toBuffer([{ data: made.qrText, mode: 'alphanumeric' }], {
            errorCorrectionLevel: 'Q',
            margin: 4,
            scale: 4,
          }),
          `teeka-${ref}-eu-dcc.png`,
        );
      },
    );
    done();
  };
}
