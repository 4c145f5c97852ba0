import type { Db } from '../../db/index.js';
import type { CertificateFormatKeyTables, KeySeries } from './tables.js';

export type FormatKeyRow = CertificateFormatKeyTables['certificate_format_keys'];

/** The SQL of the international formats' keys (SMART Health Cards, EU DCC signers, the CSCA). */
export function createFormatKeyStore() {
  return {
    /** Every key of every series, oldest generation first. */
    all(db: Db) {
      return db
        .selectFrom('certificate_format_keys')
        .selectAll()
        .orderBy('format')
        .orderBy('generation')
        .execute();
    },
    /** Adds a generation; false when another process added that generation of the series first. */
    async insert(db: Db, row: FormatKeyRow): Promise<boolean> {
      const inserted = await db
        .insertInto('certificate_format_keys')
        .values(row)
        .onConflict((oc) => oc.columns(['format', 'generation']).doNothing())
        .returning('generation')
        .executeTakeFirst();
      return inserted !== undefined;
    },
    async newestGeneration(db: Db, format: KeySeries): Promise<number> {
      const row = await db
        .selectFrom('certificate_format_keys')
        .select((eb) => eb.fn.max('generation').as('newest'))
        .where('format', '=', format)
        .executeTakeFirst();
      return row?.newest ?? 0;
    },
  };
}

export type FormatKeyStore = ReturnType<typeof createFormatKeyStore>;
