import { describe, expect, it } from 'vitest';

import { AADHAAR } from '../../../test/helpers/citizen.js';
import { maskPhotoId, normalizePhotoId, photoIdProblem, verhoeffValid } from './photo-id.js';

describe('photo ID numbers', () => {
  it('checks Aadhaar: 12 digits, not starting 0 or 1, Verhoeff check digit', () => {
    expect(verhoeffValid('2363')).toBe(true); // the textbook example
    for (const number of AADHAAR) expect(photoIdProblem(1, number)).toBeUndefined();
    expect(photoIdProblem(1, '234567890123')).toMatch(/check digit/); // one digit off
    expect(photoIdProblem(1, '123456789012')).toMatch(/12 digits/);
    expect(photoIdProblem(1, '034567890124')).toMatch(/12 digits/);
    expect(photoIdProblem(1, '23456789012')).toMatch(/12 digits/);
    // Every single-digit change of a valid number is caught (Verhoeff's guarantee).
    const valid = AADHAAR[0] ?? '';
    for (let i = 0; i < 12; i++) {
      for (let d = 0; d < 10; d++) {
        const changed = valid.slice(0, i) + String(d) + valid.slice(i + 1);
        if (changed !== valid) expect(verhoeffValid(changed)).toBe(false);
      }
    }
  });

  it('checks the national formats of PAN, passport, voter ID and driving licence', () => {
    expect(photoIdProblem(6, 'ABCPE1234F')).toBeUndefined();
    expect(photoIdProblem(6, 'ABCXE1234F')).toBeDefined();
    expect(photoIdProblem(8, 'K1234567')).toBeUndefined();
    expect(photoIdProblem(8, '12345678')).toBeDefined();
    expect(photoIdProblem(12, 'ABC1234567')).toBeUndefined();
    expect(photoIdProblem(12, 'AB12345678')).toBeDefined();
    expect(photoIdProblem(2, normalizePhotoId('MH14 20110062821'))).toBeUndefined();
    expect(photoIdProblem(2, 'MH1499990062821')).toBeDefined();
    expect(photoIdProblem(9, 'PPO/123/4567')).toBeUndefined();
    expect(photoIdProblem(9, 'a<script>')).toBeDefined();
  });

  it('normalises spacing and case, and masks all but the last 4', () => {
    expect(normalizePhotoId(' 2345 6789-0124 ')).toBe('234567890124');
    expect(normalizePhotoId('abcpe1234f')).toBe('ABCPE1234F');
    expect(maskPhotoId('234567890124')).toBe('XXXXXXXX0124');
  });
});
