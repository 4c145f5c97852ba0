import { type Kysely, sql } from 'kysely';

/**
 * The beneficiary's age band at each dose (CoWIN's groups), for the public dashboard:
 * a band, never the birth year. The birth year is field-encrypted, so SQL cannot compute
 * it: the rows this migration finds are filled in by `backfillAgeBands` (vaccinations
 * module) when the app starts with its key ring, and every new dose carries its band.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE doses ADD COLUMN age_band text
      CHECK (age_band IN ('under-12', '12-14', '15-17', '18-44', '45-59', '60+'));
    -- Finds the doses still to be banded at once, and is empty once they are.
    CREATE INDEX doses_age_band_missing_idx ON doses (dose_id) WHERE age_band IS NULL;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP INDEX doses_age_band_missing_idx;
    ALTER TABLE doses DROP COLUMN age_band;
  `.execute(db);
}
