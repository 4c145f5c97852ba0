import { indiaDate } from '../facilities/dates.js';

/** CoWIN's age groups, youngest first; "under-12" only if the programme ever went below 12. */
export const AGE_BANDS = ['under-12', '12-14', '15-17', '18-44', '45-59', '60+'] as const;
export type AgeBand = (typeof AGE_BANDS)[number];

const LOWER_BOUNDS: readonly [number, AgeBand][] = [
  [60, '60+'],
  [45, '45-59'],
  [18, '18-44'],
  [15, '15-17'],
  [12, '12-14'],
];

/**
 * The age band of a person born in `birthYear` on the day of a dose: CoWIN counted age as
 * the calendar year (in India) minus the birth year, the only date of birth it had.
 */
export function ageBand(birthYear: number, vaccinatedAt: Date): AgeBand {
  const age = Number(indiaDate(vaccinatedAt).slice(0, 4)) - birthYear;
  return LOWER_BOUNDS.find(([lowest]) => age >= lowest)?.[1] ?? 'under-12';
}
