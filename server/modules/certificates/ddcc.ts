import { readFileSync } from 'node:fs';

import { z } from 'zod';

import { dataPath } from '../../paths.js';
import type { Certificate } from './service.js';

const coding = z.strictObject({ code: z.string(), display: z.string() });
const vaccineCodes = z.object({
  disease: z.object({ snomed: z.string(), icd11: z.string(), display: z.string() }),
  vaccines: z.record(
    z.string(),
    z.strictObject({
      icd11: coding,
      icd11_type: coding,
      snomed_type: coding.nullable(),
      cvx: coding.nullable(),
      eu: z.strictObject({ vp: z.string(), mp: z.string(), ma: z.string() }).nullable(),
      holder: z.string(),
    }),
  ),
});
const vaccineNames = z.object({
  vaccines: z.array(z.object({ code: z.string(), name: z.string(), manufacturer: z.string() })),
});

// Fixed files shipped in data/, read once at start; no request input reaches the path.
const readData = (file: string): unknown => JSON.parse(readFileSync(dataPath(file), 'utf8'));
const CODES = vaccineCodes.parse(readData('vaccine-codes.json'));
const VACCINES = vaccineNames.parse(readData('vaccines.json')).vaccines;

export type VaccineCodes = z.infer<typeof vaccineCodes>['vaccines'][string];
export const DISEASE = CODES.disease;

/** The codes of a vaccine as a certificate names it (its code or its name, any case). */
export function vaccineCodesFor(vaccine: string): (VaccineCodes & { code: string }) | undefined {
  const wanted = vaccine.trim().toUpperCase();
  const known = VACCINES.find(
    (v) => v.code.toUpperCase() === wanted || v.name.toUpperCase() === wanted,
  );
  const codes = known ? CODES.vaccines[known.code] : undefined;
  return known && codes ? { ...codes, code: known.code } : undefined;
}

/** Every vaccine in data/vaccines.json, for the test that checks each has its codes. */
export const KNOWN_VACCINES = VACCINES.map((v) => v.code);

/**
 * The WHO DDCC:VS core data set (Digital Documentation of COVID-19 Certificates: Vaccination
 * Status, 2021, section 7.1) of one certificate: what every international format carries.
 * Teeka keeps the year of birth only; DDCC, FHIR (SHC) and the EU DCC all allow a year-only date.
 */
export interface DdccVaccinationStatus {
  name: string;
  birthDate: string;
  sex: 'male' | 'female' | 'other' | 'unknown';
  /** The holder's identifier: the beneficiary reference (never the photo ID number). */
  identifier: string;
  vaccine: { code: string; display: string };
  brand: { code: string; display: string };
  manufacturer: string;
  maHolder: string;
  lot: string;
  /** YYYY-MM-DD in India's calendar, the day the PDF prints. */
  date: string;
  dose: number;
  totalDoses: number;
  /** ISO 3166-1 alpha-3, as DDCC:VS asks (the EU DCC uses alpha-2 `IN`). */
  country: 'IND';
  centre: string;
  practitioner: string;
  disease: typeof DISEASE;
  certificate: { issuer: string; hcid: string; version: 'RC-2.0.0'; validFrom: string };
  codes: VaccineCodes & { code: string };
}

const SEX: Record<string, DdccVaccinationStatus['sex']> = {
  male: 'male',
  female: 'female',
  others: 'other',
  other: 'other',
};

const indianDate = (iso: string) =>
  new Date(iso).toLocaleDateString('en-CA', { timeZone: 'Asia/Kolkata' });

/** Undefined when the vaccine has no codes in data/vaccine-codes.json. */
export function ddccVaccinationStatus(
  certificate: Certificate,
  issuer: string,
): DdccVaccinationStatus | undefined {
  const { credentialSubject: subject, evidence } = certificate.credential;
  const [event] = evidence;
  if (!event) return undefined;
  const codes = vaccineCodesFor(event.vaccine);
  if (!codes) return undefined;
  return {
    name: subject.name,
    birthDate: subject.yearOfBirth,
    sex: SEX[subject.gender.toLowerCase()] ?? 'unknown',
    identifier: subject.refId,
    vaccine: codes.icd11_type,
    brand: codes.icd11,
    manufacturer: event.manufacturer,
    maHolder: codes.holder,
    lot: event.batch,
    date: indianDate(event.date),
    dose: event.dose,
    // A precaution dose is n of n (the EU's guidance for boosters: 3/3, not 3/2).
    totalDoses: Math.max(event.dose, event.totalDoses),
    country: 'IND',
    centre: event.facility.name,
    practitioner: event.verifier.name,
    disease: DISEASE,
    certificate: {
      issuer,
      hcid: event.certificateId,
      version: 'RC-2.0.0',
      validFrom: certificate.issuedAt.toISOString(),
    },
    codes,
  };
}

/**
 * A single name field as given and family names: the last word is the family name, the
 * words before it the given names. Teeka (like CoWIN) keeps one name field; a one-word name
 * is a family name only.
 */
export function splitName(name: string): { given: string[]; family: string } {
  const words = name.trim().split(/\s+/);
  const family = words.pop() ?? '';
  return { given: words, family };
}

/**
 * ICAO Doc 9303 part 3 machine-readable form of a Latin-script name (the EU DCC `fnt`/`gnt`):
 * diacritics dropped, upper case, spaces and hyphens as `<`, apostrophes removed. Undefined
 * when nothing Latin is left (a name in Devanagari has no ICAO transliteration here).
 */
export function icaoTransliteration(name: string): string | undefined {
  const latin = name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[ßẞ]/g, 'SS')
    .replace(/[æÆ]/g, 'AE')
    .replace(/[øØ]/g, 'O')
    .toUpperCase()
    .replace(/['’]/g, '')
    .replace(/[\s-]+/g, '<');
  if (!/^[A-Z<]+$/.test(latin) || !/[A-Z]/.test(latin)) return undefined;
  return latin.slice(0, 80);
}
