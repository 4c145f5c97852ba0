/**
 * Certificates issued per second on PostgreSQL: validate + sign (eddsa-jcs-2022) + encrypt +
 * store + audit record, each certificate in its own transaction, as dose recording will.
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/certificates-issue.ts [count] [concurrency]
 */
import { benchCertificates, sampleDose } from './certificates-setup.js';

const count = Number(process.argv[2] ?? 20_000);
const concurrency = Number(process.argv[3] ?? 16);
const bench = await benchCertificates(concurrency);
const { database, certificates } = bench;
const issueOne = (i: number) =>
  database.db
    .transaction()
    .execute((tx) => certificates.service.issueCertificate(tx, sampleDose(i)));

await issueOne(0); // creates the first issuer key
let next = 1;
const started = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next <= count) await issueOne(next++);
  }),
);
const seconds = (performance.now() - started) / 1000;
const stored = await database.db
  .selectFrom('certificates')
  .select((eb) => eb.fn.countAll().as('n'))
  .executeTakeFirstOrThrow();
const audited = await database.db
  .selectFrom('audit_log')
  .select((eb) => eb.fn.countAll().as('n'))
  .executeTakeFirstOrThrow();
console.log(
  `${count} certificates in ${seconds.toFixed(2)} s: ${Math.round(count / seconds)} certificates/s ` +
    `(concurrency ${concurrency}; stored ${String(stored.n)}, audit records ${String(audited.n)})`,
);
await bench.close();
