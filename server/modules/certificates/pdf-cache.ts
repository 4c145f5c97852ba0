import { z } from 'zod';

import type { Db } from '../../db/index.js';
import type { Clock } from '../../platform/clock.js';
import { defineConsumer } from '../events/consumers.js';
import { CERTIFICATE_ISSUED } from '../vaccinations/events.js';
import { renderCertificatePdf } from './pdf.js';
import type { Certificate, CertificateService } from './service.js';
import type { CertificateStore } from './store.js';

const issuedPayload = z.object({ certificate_id: z.string().min(1).max(40) });

/**
 * Certificate PDFs rendered once and kept: the `certificate.issued` consumer renders each
 * new certificate off the request path, and a download renders (and keeps) one the consumer
 * has not reached yet. A certificate's PDF depends only on its immutable fields, and a
 * correction is a new certificate id, so a kept PDF is never stale.
 */
export function createPdfCache({
  db,
  store,
  certificates,
  clock,
}: {
  db: Db;
  store: CertificateStore;
  certificates: Pick<CertificateService, 'getCertificate'>;
  clock: Clock;
}) {
  async function renderAndKeep(certificate: Certificate): Promise<Buffer> {
    // Rendered outside any transaction: tens of milliseconds of CPU must not hold a
    // connection (PGlite has one). The first write wins, so every download serves the same
    // bytes; a render that lost the race gives way to the kept one.
    const pdf = await renderCertificatePdf(certificate);
    const kept = await store.insertPdf(db, {
      certificate_id: certificate.certificateId,
      pdf,
      rendered_at: clock.now(),
    });
    return kept ? pdf : ((await store.pdf(db, certificate.certificateId)) ?? pdf);
  }

  return {
    /** The kept PDF of `certificate`, rendered and kept first if there is none yet. */
    async pdfFor(certificate: Certificate): Promise<Buffer> {
      return (await store.pdf(db, certificate.certificateId)) ?? renderAndKeep(certificate);
    },
    consumer: defineConsumer({
      name: 'certificate-pdf',
      topic: CERTIFICATE_ISSUED,
      payload: issuedPayload,
      // The render runs outside the consumer's transaction; the insert is idempotent itself.
      effect: 'external',
      async handle(_db, { payload }) {
        if (await store.pdf(db, payload.certificate_id)) return;
        const certificate = await certificates.getCertificate(db, payload.certificate_id);
        if (!certificate) return;
        await renderAndKeep(certificate);
      },
    }),
  };
}

export type PdfCache = ReturnType<typeof createPdfCache>;
