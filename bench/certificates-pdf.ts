/**
 * Certificate PDFs rendered per second (English + Hindi, fonts embedded, vector QR), on one core.
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/certificates-pdf.ts [count]
 */
import { renderCertificatePdf } from '../server/modules/certificates/pdf.js';
import { benchCertificates, sampleDose } from './certificates-setup.js';

const count = Number(process.argv[2] ?? 50);
const bench = await benchCertificates(2);
const { database, certificates } = bench;
const certificate = await database.db
  .transaction()
  .execute((tx) => certificates.service.issueCertificate(tx, sampleDose(1)));
await renderCertificatePdf(certificate); // warm up: fonts read, code compiled
const started = performance.now();
let bytes = 0;
for (let i = 0; i < count; i++) bytes += (await renderCertificatePdf(certificate)).length;
const seconds = (performance.now() - started) / 1000;
console.log(
  `${count} PDFs in ${seconds.toFixed(2)} s: ${(count / seconds).toFixed(1)} PDFs/s on one core, ` +
    `${Math.round(bytes / count / 1024)} KiB each`,
);
await bench.close();
