import { sql } from 'kysely';

import type { Db } from '../../db/index.js';
import { masterData } from '../masterdata/data.js';
import { AGE_BANDS } from '../vaccinations/age-band.js';
import { type Cell, type PublishedCell, SMALL_COUNT, suppress } from './suppress.js';

export interface DoseReport {
  generated_at: string;
  suppression_threshold: number;
  /** null when fewer than the threshold doses were given in all. */
  total_doses: number | null;
  doses_per_day: PublishedCell<string>[];
  by_state: PublishedCell<number>[];
  by_vaccine: PublishedCell<string>[];
  by_gender: PublishedCell<number>[];
  by_dose_number: PublishedCell<number>[];
  /** The age band at each dose (CoWIN's groups), youngest first. */
  by_age_group: PublishedCell<string>[];
}

const BAND_LABELS: Record<string, string> = {
  'under-12': 'Under 12',
  '60+': '60 and over',
  unknown: 'Not known yet',
};
/** Youngest band first, "unknown" last. */
const bandOrder = (key: string) => {
  const i = (AGE_BANDS as readonly string[]).indexOf(key);
  return i < 0 ? AGE_BANDS.length : i;
};
const byBand = (a: { key: string }, b: { key: string }) => bandOrder(a.key) - bandOrder(b.key);

/** India's calendar day of a dose (Asia/Kolkata has no daylight saving: a fixed +05:30). */
const indiaDay = sql<string>`to_char(doses.vaccinated_at AT TIME ZONE 'Asia/Kolkata', 'YYYY-MM-DD')`;

/**
 * Aggregate dose counts for the public dashboard: counts per group only, read in one
 * pass per breakdown, with small counts suppressed before anything leaves the server.
 * No breakdown is finer than one dimension, so no two tables can be joined to narrow a group.
 */
export function createReportService(db: Db) {
  const stateNames = new Map(masterData.states().map((s) => [s.state_id, s.state_name]));
  const genderNames = new Map(masterData.genders().map((g) => [g.id, g.gender]));

  const count = sql<string>`count(*)`;
  const cells = <K>(rows: { key: K; n: string | number }[], label: (key: K) => string) =>
    rows.map((r): Cell<K> => ({ key: r.key, label: label(r.key), count: Number(r.n) }));

  return {
    async doses(now: Date): Promise<DoseReport> {
      // One snapshot for the total and every breakdown: complementary suppression holds only
      // when they count the same doses (a dose committed between two reads would shift them).
      return db
        .transaction()
        .setIsolationLevel('repeatable read')
        .execute(async (tx) => {
          const total = Number(
            (await tx.selectFrom('doses').select(count.as('n')).executeTakeFirstOrThrow()).n,
          );
          const days = await tx
            .selectFrom('doses')
            .select([indiaDay.as('key'), count.as('n')])
            .groupBy(indiaDay)
            .orderBy(indiaDay)
            .execute();
          const states = await tx
            .selectFrom('doses')
            .innerJoin('centres', 'centres.center_id', 'doses.center_id')
            .select(['centres.state_id as key', count.as('n')])
            .groupBy('centres.state_id')
            .orderBy('centres.state_id')
            .execute();
          const vaccines = await tx
            .selectFrom('doses')
            .select(['doses.vaccine as key', count.as('n')])
            .groupBy('doses.vaccine')
            .orderBy('doses.vaccine')
            .execute();
          const genders = await tx
            .selectFrom('doses')
            .innerJoin(
              'beneficiaries',
              'beneficiaries.beneficiary_reference_id',
              'doses.beneficiary_reference_id',
            )
            .select(['beneficiaries.gender_id as key', count.as('n')])
            .groupBy('beneficiaries.gender_id')
            .orderBy('beneficiaries.gender_id')
            .execute();
          const numbers = await tx
            .selectFrom('doses')
            .select(['doses.dose as key', count.as('n')])
            .groupBy('doses.dose')
            .orderBy('doses.dose')
            .execute();
          // A dose recorded before its band was kept counts as "unknown" until it is filled in.
          const band = sql<string>`coalesce(doses.age_band, 'unknown')`;
          const ages = await tx
            .selectFrom('doses')
            .select([band.as('key'), count.as('n')])
            .groupBy(band)
            .execute();
          const publish = <K>(rows: { key: K; n: string | number }[], label: (key: K) => string) =>
            suppress(cells(rows, label), total);
          return {
            generated_at: now.toISOString(),
            suppression_threshold: SMALL_COUNT,
            total_doses: total < SMALL_COUNT ? null : total,
            doses_per_day: publish(days, (day) => day),
            by_state: publish(states, (id) => stateNames.get(id) ?? String(id)),
            by_vaccine: publish(vaccines, (code) => code),
            by_gender: publish(genders, (id) => genderNames.get(id) ?? String(id)),
            by_dose_number: publish(numbers, (n) => (n === 3 ? 'Precaution' : `Dose ${n}`)),
            by_age_group: publish(ages.sort(byBand), (key) => BAND_LABELS[key] ?? key),
          };
        });
    },
  };
}

export type ReportService = ReturnType<typeof createReportService>;
