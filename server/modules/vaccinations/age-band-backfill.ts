import type { Db } from '../../db/index.js';
import type { BeneficiaryService } from '../beneficiaries/service.js';
import { type AgeBand, ageBand } from './age-band.js';

const BATCH = 500;

/**
 * Fills in the age band of the doses recorded before it was kept (migration 0160), in
 * batches; the birth year is decrypted by the beneficiaries module, never stored. Each row
 * is updated only while still empty, so nodes starting together do no harm.
 */
export async function backfillAgeBands(
  db: Db,
  beneficiaries: Pick<BeneficiaryService, 'onSite'>,
): Promise<number> {
  let filled = 0;
  for (;;) {
    const rows = await db
      .selectFrom('doses')
      .select(['dose_id', 'beneficiary_reference_id', 'vaccinated_at'])
      .where('age_band', 'is', null)
      .orderBy('dose_id')
      .limit(BATCH)
      .execute();
    if (rows.length === 0) return filled;
    const people = await beneficiaries.onSite(
      db,
      rows.map((r) => r.beneficiary_reference_id),
    );
    const years = new Map(people.map((p) => [p.referenceId, p.birthYear]));
    const byBand = new Map<AgeBand, string[]>();
    for (const row of rows) {
      const year = years.get(row.beneficiary_reference_id);
      if (year === undefined) throw new Error(`Dose ${row.dose_id} has no beneficiary`);
      const band = ageBand(year, row.vaccinated_at);
      byBand.set(band, [...(byBand.get(band) ?? []), row.dose_id]);
    }
    for (const [band, ids] of byBand) {
      await db
        .updateTable('doses')
        .set({ age_band: band })
        .where('dose_id', 'in', ids)
        .where('age_band', 'is', null)
        .execute();
    }
    filled += rows.length;
  }
}

/** A corrected birth year re-bands the person's doses, each at its own date. */
export async function rebandDoses(tx: Db, beneficiaryId: string, birthYear: number) {
  const doses = await tx
    .selectFrom('doses')
    .select(['dose_id', 'vaccinated_at'])
    .where('beneficiary_reference_id', '=', beneficiaryId)
    .execute();
  for (const dose of doses) {
    await tx
      .updateTable('doses')
      .set({ age_band: ageBand(birthYear, dose.vaccinated_at) })
      .where('dose_id', '=', dose.dose_id)
      .execute();
  }
}
