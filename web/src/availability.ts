import type { CalendarCentre, CalendarSession } from './api';

/** The filters CoWIN's search offered: age group, vaccine, dose and fee. */
export interface Filters {
  /** A session's lower age limit (CoWIN's "18 & above", "45 & above"), or any. */
  age: 'any' | '18' | '45';
  /** 'any', or a vaccine name. */
  vaccine: string;
  dose: 'any' | '1' | '2';
  fee: 'any' | 'Free' | 'Paid';
}
export const NO_FILTERS: Filters = { age: 'any', vaccine: 'any', dose: 'any', fee: 'any' };

export function sessionMatches(session: CalendarSession, filters: Filters): boolean {
  if (filters.age !== 'any' && session.min_age_limit !== Number(filters.age)) return false;
  if (filters.vaccine !== 'any' && session.vaccine !== filters.vaccine) return false;
  if (filters.dose === '1' && session.available_capacity_dose1 <= 0) return false;
  if (filters.dose === '2' && session.available_capacity_dose2 <= 0) return false;
  return true;
}

/** Centres with at least one session the filters keep, each with only those sessions. */
export function filterCentres(centres: CalendarCentre[], filters: Filters): CalendarCentre[] {
  return centres
    .filter((centre) => filters.fee === 'any' || centre.fee_type === filters.fee)
    .map((centre) => ({
      ...centre,
      sessions: centre.sessions.filter((s) => sessionMatches(s, filters)),
    }))
    .filter((centre) => centre.sessions.length > 0);
}

export const vaccinesIn = (centres: CalendarCentre[]) =>
  [...new Set(centres.flatMap((c) => c.sessions.map((s) => s.vaccine)))].sort();

/** YYYY-MM-DD to CoWIN's DD-MM-YYYY. */
export const cowinDate = (iso: string) => iso.split('-').reverse().join('-');

/** A YYYY-MM-DD date `days` later (earlier when negative). */
export const addDays = (iso: string, days: number) =>
  new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** The 7 days (YYYY-MM-DD) a calendar answer covers, from `first`. */
export const week = (first: string): string[] =>
  Array.from({ length: 7 }, (_, i) => addDays(first, i));
