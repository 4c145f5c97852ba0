import { lostToAConcurrentChange } from '../../db/errors.js';
import type { Db } from '../../db/index.js';
import { AppError, Conflict, Forbidden } from '../../http/errors.js';
import { withAudit } from '../audit/denied.js';
import type { AuditEvent } from '../audit/service.js';
import { duplicatePhotoId } from '../beneficiaries/service.js';
import type { Role } from '../staff/roles.js';

/** Who checks people in at a centre (and the admins over it). */
export const VERIFIERS: readonly Role[] = ['verifier', 'facility-admin', 'district-admin'];
/** Who records doses: the vaccinator is named on the certificate. */
export const VACCINATORS: readonly Role[] = ['vaccinator'];
/** Who records an adverse event against a dose given at their centre. */
export const AEFI_RECORDERS: readonly Role[] = ['vaccinator', 'facility-admin', 'district-admin'];
/** Who reads the aggregate AEFI counts of a place. */
export const AEFI_READERS: readonly Role[] = [
  'national-admin',
  'state-admin',
  'district-admin',
  'auditor',
];
/** Who decides corrections: the district admin of the centre of the latest dose. */
export const CORRECTION_DECIDERS: readonly Role[] = ['district-admin'];

const ATTEMPTS = 5;
const pgField = (error: unknown, field: 'code' | 'constraint') =>
  typeof error === 'object' && error !== null && field in error
    ? String((error as Record<string, unknown>)[field])
    : undefined;

const RACES: Record<string, (() => AppError) | undefined> = {
  doses_one_per_number: () =>
    new Conflict('This dose has already been recorded.', 'dose-already-given'),
  beneficiaries_photo_id_unique: duplicatePhotoId,
  correction_requests_one_pending_idx: () => correctionPending(),
};

/** The refusal a unique index gave when two requests raced past the checks. */
function raceRefusal(error: unknown): AppError | undefined {
  if (pgField(error, 'code') !== '23505') return undefined;
  const refusal = RACES[pgField(error, 'constraint') ?? ''];
  return refusal?.();
}

export const correctionPending = () =>
  new Conflict('A correction for this beneficiary is already waiting.', 'correction-pending');

/**
 * Runs `work` in one transaction (again after a PostgreSQL deadlock or serialization
 * failure). A refusal rolls everything back and is recorded, after the rollback, as a
 * denied `event`; access-guard refusals (403) carry their own record already.
 */
export function createDecide(db: Db) {
  return async function decide<T>(
    event: Omit<AuditEvent, 'outcome'>,
    work: (tx: Db) => Promise<T>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await db.transaction().execute(work);
      } catch (error) {
        if (lostToAConcurrentChange(error) && attempt < ATTEMPTS) continue;
        const refusal = error instanceof AppError ? error : raceRefusal(error);
        if (!refusal) throw error;
        if (refusal instanceof Forbidden) throw refusal;
        throw withAudit(refusal, { ...event, outcome: 'denied', reason: refusal.code });
      }
    }
  };
}

export type Decide = ReturnType<typeof createDecide>;

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** A name as staff lists show it: the first letter of each word, then '*'s. */
export const maskName = (name: string) =>
  name
    .split(/\s+/)
    .filter(Boolean)
    .map((word) => {
      // Graphemes, not code points: a Devanagari letter with its vowel sign is one mark.
      const letters = Array.from(graphemes.segment(word), (s) => s.segment);
      return (letters[0] ?? '') + '*'.repeat(letters.length - 1);
    })
    .join(' ');
