import { sql } from 'kysely';

import type { Db } from '../../db/index.js';
import { masterData } from '../masterdata/data.js';
import { AGE_BANDS } from '../vaccinations/age-band.js';
import { type Cell, type PublishedCell, SMALL_COUNT, suppress } from './suppress.js';
import type { ReportTables } from './tables.js';

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

type Dimension = ReportTables['dose_counts']['dimension'];

/**
 * Aggregate dose counts for the public dashboard: counts per group only, summed from the
 * counts the database keeps with every dose (migration 0170), with small counts suppressed
 * before anything leaves the server. No breakdown is finer than one dimension, so no two
 * tables can be joined to narrow a group.
 */
export function createReportService(db: Db) {
  const stateNames = new Map(masterData.states().map((s) => [s.state_id, s.state_name]));
  const genderNames = new Map(masterData.genders().map((g) => [g.id, g.gender]));

  return {
    async doses(now: Date): Promise<DoseReport> {
      // One statement, so one snapshot: complementary suppression holds only when the total
      // and every breakdown count the same doses.
      const rows = await db
        .selectFrom('dose_counts')
        .select(['dimension', 'key', sql<string>`sum(n)`.as('n')])
        .groupBy(['dimension', 'key'])
        .having(sql<boolean>`sum(n) <> 0`)
        .execute();
      const groups = (dimension: Dimension) =>
        rows
          .filter((r) => r.dimension === dimension)
          .map((r) => ({ key: r.key, count: Number(r.n) }));
      // Every dose has one dose number, so those groups sum to the total.
      const total = groups('dose').reduce((sum, g) => sum + g.count, 0);
      const publish = <K extends string | number>(
        dimension: Dimension,
        keyOf: (key: string) => K,
        label: (key: K) => string,
        order: (a: K, b: K) => number,
      ) =>
        suppress(
          groups(dimension)
            .map(({ key, count }): Cell<K> => ({
              key: keyOf(key),
              label: label(keyOf(key)),
              count,
            }))
            .sort((a, b) => order(a.key, b.key)),
          total,
        );
      const text = (key: string) => key;
      const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
      const byNumber = (a: number, b: number) => a - b;
      return {
        generated_at: now.toISOString(),
        suppression_threshold: SMALL_COUNT,
        total_doses: total < SMALL_COUNT ? null : total,
        doses_per_day: publish('day', text, text, byText),
        by_state: publish('state', Number, (id) => stateNames.get(id) ?? String(id), byNumber),
        by_vaccine: publish('vaccine', text, text, byText),
        by_gender: publish('gender', Number, (id) => genderNames.get(id) ?? String(id), byNumber),
        by_dose_number: publish(
          'dose',
          Number,
          (n) => (n === 3 ? 'Precaution' : `Dose ${n}`),
          byNumber,
        ),
        // A dose recorded before its band was kept counts as "unknown" until it is filled in.
        by_age_group: publish(
          'age_band',
          text,
          (key) => BAND_LABELS[key] ?? key,
          (a, b) => bandOrder(a) - bandOrder(b),
        ),
      };
    },
  };
}

export type ReportService = ReturnType<typeof createReportService>;
