import { Conflict } from '../../http/errors.js';
import type { SessionRow } from '../facilities/store.js';
import type { VaccineRules } from './store.js';

/** The facts about one beneficiary that decide whether a dose may be booked. */
export interface DoseHistory {
  birth_year: number;
  doses_given: number;
  vaccine: string | null;
  /** YYYY-MM-DD. */
  dose1_date: string | null;
  dose2_date: string | null;
}

export interface ProgrammeRules {
  precautionMinimumAge: number;
  precautionIntervalDays: number;
}

const daysBetween = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 86_400_000;

const refuse = (message: string, code: string) => new Conflict(message, code);

function checkInterval(
  previousDose: string | null,
  sessionDate: string,
  minDays: number,
  maxDays: number | null,
): void {
  if (previousDose === null) {
    throw refuse('The previous dose has no recorded date.', 'previous-dose-missing');
  }
  const days = daysBetween(previousDose, sessionDate);
  if (days < minDays) {
    throw refuse(
      `This dose is due ${minDays} days after the previous one; this session is after ${days}.`,
      'dose-too-early',
    );
  }
  if (maxDays !== null && days > maxDays) {
    throw refuse(
      `This dose is due within ${maxDays} days of the previous one; this session is after ${days}.`,
      'dose-too-late',
    );
  }
}

/**
 * Throws a Conflict naming the first rule that keeps `person` from dose `dose` at `session`.
 * Dose 3 is the third primary dose of a three-dose vaccine (ZyCoV-D) and the precaution
 * dose otherwise (data/vaccines.json: 182 days after the last primary dose, from age 18).
 */
export function checkEligible(
  person: DoseHistory,
  dose: 1 | 2 | 3,
  session: SessionRow,
  vaccine: VaccineRules,
  programme: ProgrammeRules,
): void {
  // CoWIN counted age by birth year alone: the year of the session minus the birth year.
  const age = Number(session.date.slice(0, 4)) - person.birth_year;
  if (
    age < session.min_age_limit ||
    (session.max_age_limit !== null && age > session.max_age_limit) ||
    age < vaccine.min_age
  ) {
    throw refuse('This session is not for this beneficiary’s age.', 'age-not-eligible');
  }
  if (person.doses_given >= dose) {
    throw refuse(`Dose ${dose} has already been given.`, 'dose-already-given');
  }
  if (person.doses_given < dose - 1) {
    throw refuse(`Dose ${person.doses_given + 1} comes first.`, 'earlier-dose-first');
  }
  if (dose === 1) return;
  if (person.vaccine !== session.vaccine) {
    throw refuse(
      'Later doses must be of the vaccine given as dose 1; this session offers another.',
      'vaccine-mismatch',
    );
  }
  const interval = vaccine.intervals.find((i) => i.dose === dose);
  if (interval) {
    checkInterval(
      dose === 2 ? person.dose1_date : person.dose2_date,
      session.date,
      interval.min_days,
      interval.max_days,
    );
    return;
  }
  if (dose === 2 || vaccine.primary_doses > 2) {
    throw refuse('This vaccine has no such dose.', 'no-such-dose');
  }
  if (age < programme.precautionMinimumAge) {
    throw refuse(
      `The precaution dose is from age ${programme.precautionMinimumAge}.`,
      'age-not-eligible',
    );
  }
  checkInterval(person.dose2_date, session.date, programme.precautionIntervalDays, null);
}
