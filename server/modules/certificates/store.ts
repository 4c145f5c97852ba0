import { sql } from 'kysely';

import type { Db } from '../../db/index.js';
import type { CertificateTables } from './tables.js';

type KeyRow = CertificateTables['certificate_keys'];
type CertificateRow = CertificateTables['certificates'];

/** certificate_id_seq's INCREMENT BY (migration 0070). */
export const CERTIFICATE_ID_BLOCK = 100;

export function createCertificateStore() {
  return {
    keys(db: Db) {
      return db.selectFrom('certificate_keys').selectAll().orderBy('generation').execute();
    },
    /** Adds a key generation; false when another process added that generation first. */
    async insertKey(db: Db, row: KeyRow): Promise<boolean> {
      const inserted = await db
        .insertInto('certificate_keys')
        .values(row)
        .onConflict((oc) => oc.column('generation').doNothing())
        .returning('generation')
        .executeTakeFirst();
      return inserted !== undefined;
    },
    /** The first of CERTIFICATE_ID_BLOCK fresh certificate ids. */
    async certificateIdBlock(db: Db): Promise<number> {
      const { rows } = await sql<{
        first: string;
      }>`select nextval('certificate_id_seq')::text as first`.execute(db);
      const first = Number(rows[0]?.first);
      if (!Number.isSafeInteger(first)) throw new Error('certificate_id_seq returned no id');
      return first;
    },
    async insertCertificate(db: Db, row: CertificateRow): Promise<void> {
      await db.insertInto('certificates').values(row).execute();
    },
    certificate(db: Db, certificateId: string) {
      return db
        .selectFrom('certificates')
        .selectAll()
        .where('certificate_id', '=', certificateId)
        .executeTakeFirst();
    },
    async pdf(db: Db, certificateId: string): Promise<Buffer | undefined> {
      const row = await db
        .selectFrom('certificate_pdfs')
        .select('pdf')
        .where('certificate_id', '=', certificateId)
        .executeTakeFirst();
      return row ? Buffer.from(row.pdf) : undefined;
    },
    /** Keeps a rendered PDF unless one is kept already; true when this one was kept. */
    async insertPdf(db: Db, row: CertificateTables['certificate_pdfs']): Promise<boolean> {
      const kept = await db
        .insertInto('certificate_pdfs')
        .values(row)
        .onConflict((oc) => oc.column('certificate_id').doNothing())
        .returning('certificate_id')
        .executeTakeFirst();
      return kept !== undefined;
    },
    /** The beneficiary's certificates, newest first. */
    certificatesFor(db: Db, beneficiaryReferenceId: string) {
      return db
        .selectFrom('certificates')
        .leftJoin(
          'certificate_revocations',
          'certificate_revocations.certificate_id',
          'certificates.certificate_id',
        )
        .selectAll('certificates')
        .select('certificate_revocations.revoked_at')
        .where('beneficiary_reference_id', '=', beneficiaryReferenceId)
        .orderBy('issued_at', 'desc')
        .orderBy('certificates.certificate_id', 'desc')
        .execute();
    },
    /** Records a revocation; false when the certificate was already revoked. */
    async insertRevocation(
      db: Db,
      row: { certificate_id: string; reason: string; revoked_at: Date },
    ): Promise<boolean> {
      const inserted = await db
        .insertInto('certificate_revocations')
        .values(row)
        .onConflict((oc) => oc.column('certificate_id').doNothing())
        .returning('seq')
        .executeTakeFirst();
      return inserted !== undefined;
    },
    revocation(db: Db, certificateId: string) {
      return db
        .selectFrom('certificate_revocations')
        .select(['revoked_at'])
        .where('certificate_id', '=', certificateId)
        .executeTakeFirst();
    },
    async revocationCount(db: Db): Promise<number> {
      const row = await db
        .selectFrom('certificate_revocations')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    /** Every revoked certificate id, in the order they were revoked. */
    async revokedCertificateIds(db: Db): Promise<string[]> {
      const rows = await db
        .selectFrom('certificate_revocations')
        .select('certificate_id')
        .orderBy('seq')
        .execute();
      return rows.map((r) => r.certificate_id);
    },
    revocations(db: Db, afterSeq: number, limit: number) {
      return db
        .selectFrom('certificate_revocations')
        .select(['seq', 'certificate_id', 'revoked_at'])
        .where('seq', '>', afterSeq)
        .orderBy('seq')
        .limit(limit)
        .execute();
    },
  };
}

export type CertificateStore = ReturnType<typeof createCertificateStore>;
