/**
 * Photo ID numbers: normalised (spaces and hyphens dropped, upper case) and checked against
 * each document's published format. Types without a national number format accept 4 to 30
 * letters, digits and '/'.
 */
export const AADHAAR = 1;

// Verhoeff check digit tables (dihedral group D5), as UIDAI specifies for Aadhaar.
const D = [
  '0123456789',
  '1234067895',
  '2340178956',
  '3401289567',
  '4012395678',
  '5987604321',
  '6598710432',
  '7659821043',
  '8765932104',
  '9876543210',
];
const P = [
  '0123456789',
  '1576283094',
  '5803796142',
  '8916043527',
  '9453126870',
  '4286573901',
  '2793806415',
  '7046913258',
];

/** True when the digits, check digit last, pass the Verhoeff check. */
export function verhoeffValid(digits: string): boolean {
  let c = 0;
  for (let i = 0; i < digits.length; i++) {
    const digit = Number(digits[digits.length - 1 - i]);
    c = Number(D[c]?.[Number(P[i % 8]?.[digit])]);
  }
  return c === 0;
}

const FORMATS: Record<number, { pattern: RegExp; what: string }> = {
  // UIDAI: 12 digits, never starting with 0 or 1, the last a Verhoeff check digit.
  1: { pattern: /^[2-9][0-9]{11}$/, what: '12 digits, not starting with 0 or 1' },
  // Driving licence (Sarathi): state code, RTO code, year of issue, 7-digit serial.
  2: { pattern: /^[A-Z]{2}[0-9]{2}(19|20)[0-9]{2}[0-9]{7}$/, what: 'like MH1420110062821' },
  // PAN: 5 letters (the 4th the holder type), 4 digits, a check letter.
  6: { pattern: /^[A-Z]{3}[ABCFGHLJPT][A-Z][0-9]{4}[A-Z]$/, what: 'like ABCPE1234F' },
  // Indian passport: a letter and 7 digits.
  8: { pattern: /^[A-Z][0-9]{7}$/, what: 'a letter and 7 digits' },
  // Voter ID (EPIC): 3 letters and 7 digits.
  12: { pattern: /^[A-Z]{3}[0-9]{7}$/, what: '3 letters and 7 digits' },
};
const OTHER = { pattern: /^[A-Z0-9/]{4,30}$/, what: '4 to 30 letters, digits or /' };

export function normalizePhotoId(number: string): string {
  return number.replace(/[\s-]/g, '').toUpperCase();
}

/** undefined when valid, else what the number should look like. */
export function photoIdProblem(type: number, normalized: string): string | undefined {
  const format = FORMATS[type] ?? OTHER;
  if (!format.pattern.test(normalized)) return format.what;
  if (type === AADHAAR && !verhoeffValid(normalized)) return 'a valid Aadhaar number (check digit)';
  return undefined;
}

/** CoWIN's mask: every character but the last four replaced by 'X' ("XXXXXXXX4191"). */
export function maskPhotoId(normalized: string): string {
  return 'X'.repeat(Math.max(0, normalized.length - 4)) + normalized.slice(-4);
}
