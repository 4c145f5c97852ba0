import { randomBytes } from 'node:crypto';

import { createKeyRing } from '../server/crypto/keys.js';
import { openPostgres } from '../server/db/index.js';
import { migrateToLatest } from '../server/db/migrate.js';
import { createCertificateModule } from '../server/modules/certificates/module.js';
import type { CertificateInput } from '../server/modules/certificates/schemas.js';
import { systemClock } from '../server/platform/clock.js';
import { createLimits } from '../server/platform/limits.js';
import { adminQuery, databaseUrl } from '../test/helpers/postgres.js';

/** A fresh, migrated PostgreSQL database of its own and the certificate module on it. */
export async function benchCertificates(poolSize: number) {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('Set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres)');
  const name = `teeka_bench_${randomBytes(4).toString('hex')}`;
  await adminQuery(url, `CREATE DATABASE ${name}`);
  const database = openPostgres(databaseUrl(url, name), poolSize);
  await migrateToLatest(database.db);
  const limits = createLimits({ redisUrl: undefined, namespace: 'bench' });
  const certificates = createCertificateModule({
    db: database.db,
    limits,
    clock: systemClock,
    config: { issuerHost: 'teeka.example.in' },
    keys: createKeyRing(new Map([['bench', randomBytes(32)]])),
  });
  return {
    database,
    certificates,
    async close() {
      await limits.close();
      await database.close();
      await adminQuery(url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

export const sampleDose = (i: number): CertificateInput => ({
  kind: 'final',
  beneficiaryReferenceId: String(80_000_000_000_000 + i),
  name: 'Aaradhya Krishnamurthy',
  yearOfBirth: 1988,
  gender: 'Female',
  photoId: { type: 'Aadhaar Card', maskedNumber: 'XXXXXXXX1234' },
  vaccine: 'COVISHIELD',
  manufacturer: 'Serum Institute of India Pvt. Ltd.',
  batch: '4121Z025',
  dose: 2,
  totalDoses: 2,
  vaccinatedAt: new Date('2021-09-17T10:30:00Z'),
  centre: { name: 'Urban Primary Health Centre Jayanagar', district: 'BBMP', state: 'Karnataka' },
  vaccinator: 'Sunita Devi',
});
