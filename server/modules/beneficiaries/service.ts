import { randomInt, timingSafeEqual } from 'node:crypto';

import { blindIndex, decryptField, encryptField, type KeyRing } from '../../crypto/keys.js';
import type { Db } from '../../db/index.js';
import { type AppError, Conflict, Invalid, NotFound } from '../../http/errors.js';
import type { Clock } from '../../platform/clock.js';
import type { Limits } from '../../platform/limits.js';
import type { AppointmentsOf } from '../appointments/listing.js';
import type { AuditService, RequestContext } from '../audit/service.js';
import { decided } from '../citizen-auth/decided.js';
import type { Citizen } from '../citizen-auth/guard.js';
import type { CitizenAuthService } from '../citizen-auth/service.js';
import { maskPhotoId, normalizePhotoId, photoIdProblem } from './photo-id.js';
import type { NewBeneficiary } from './schemas.js';
import type { BeneficiaryStore } from './store.js';

/** The facts a certificate correction may change (beneficiary/new's field names). */
export interface BeneficiaryCorrection {
  name?: string | undefined;
  birth_year?: number | undefined;
  gender_id?: number | undefined;
  photo_id_type?: number | undefined;
  photo_id_number?: string | undefined;
}

/** The photo ID as certificates print it: X for every character but the last 4 letters or digits. */
const certificateMask = (normalized: string) =>
  'X'.repeat(Math.max(4, normalized.length - 4)) + normalized.slice(-4).replace(/[^0-9A-Z]/g, 'X');

/** CoWIN: one mobile number can register up to 4 beneficiaries. */
export const MAX_BENEFICIARIES_PER_MOBILE = 4;
/** Registration attempts per citizen per hour: each duplicate answer says "this ID exists somewhere". */
const REGISTRATIONS_PER_HOUR = 20;
const OLDEST_AGE = 120;

const PURPOSE = {
  name: 'beneficiary-name',
  birthYear: 'beneficiary-birth-year',
  photoId: 'beneficiary-photo-id',
  photoIdIndex: 'photo-id',
} as const;

/** 'YYYY-MM-DD' as CoWIN shows dates: 'DD-MM-YYYY', and '' until given. */
const cowinDate = (date: string | null) => (date ? date.split('-').reverse().join('-') : '');

function vaccinationStatus(dosesGiven: number, primaryDoses: number | null): string {
  if (dosesGiven === 0) return 'Not Vaccinated';
  return primaryDoses !== null && dosesGiven >= primaryDoses
    ? 'Vaccinated'
    : 'Partially Vaccinated';
}

export function createBeneficiaryService({
  store,
  audit,
  keys,
  clock,
  limits,
  citizens,
  appointments,
}: {
  store: BeneficiaryStore;
  audit: AuditService;
  keys: KeyRing;
  clock: Clock;
  limits: Limits;
  citizens: CitizenAuthService;
  /** Each beneficiary's open appointments, as CoWIN lists them (the appointments domain). */
  appointments: AppointmentsOf;
}) {
  const registrations = limits.limiter({
    name: 'beneficiary-register',
    points: REGISTRATIONS_PER_HOUR,
    durationSeconds: 3600,
  });

  /** The caller's rows among `ids`, locked; undefined unless every id is the caller's. */
  async function owned(tx: Db, citizen: Citizen, ids: readonly string[]) {
    const unique = [...new Set(ids)];
    const rows = unique.length ? await store.lockOwned(tx, citizen.mobileRef, unique) : [];
    return rows.length === unique.length ? rows : undefined;
  }

  async function newReferenceId(tx: Db): Promise<string> {
    for (;;) {
      const id = String(randomInt(10_000_000_000_000, 100_000_000_000_000));
      if (!(await store.referenceIdTaken(tx, id))) return id;
    }
  }

  /**
   * The rules a new beneficiary keeps, online or registered on site: the first one broken, or
   * undefined. `mobileRef`'s account must be locked by the caller (the 4-per-mobile count).
   */
  async function admissible(
    tx: Db,
    mobileRef: string,
    input: NewBeneficiary,
    photoId: string,
    photoIdIndex: string,
  ): Promise<{ reason: string; error: AppError } | undefined> {
    if ((await store.countFor(tx, mobileRef)) >= MAX_BENEFICIARIES_PER_MOBILE) {
      return {
        reason: 'limit',
        error: new Conflict(
          `A mobile number can register at most ${MAX_BENEFICIARIES_PER_MOBILE} beneficiaries.`,
          'beneficiary-limit',
        ),
      };
    }
    const facts = await factsProblem(tx, input, photoId);
    if (facts) return facts;
    if (await store.photoIdTaken(tx, photoIdIndex)) {
      return { reason: 'duplicate-photo-id', error: duplicatePhotoId() };
    }
    return undefined;
  }

  /** Gender, photo ID type and format, and birth year: for a new record and for a correction. */
  async function factsProblem(
    tx: Db,
    input: Pick<NewBeneficiary, 'gender_id' | 'photo_id_type' | 'birth_year'>,
    photoId: string,
  ): Promise<{ reason: string; error: AppError } | undefined> {
    if (!(await store.genderExists(tx, input.gender_id))) {
      return { reason: 'gender', error: new Invalid('Unknown gender_id.', 'unknown-gender') };
    }
    if (!(await store.idTypeExists(tx, input.photo_id_type))) {
      return {
        reason: 'id-type',
        error: new Invalid('Unknown photo_id_type.', 'unknown-photo-id-type'),
      };
    }
    const problem = photoIdProblem(input.photo_id_type, photoId);
    if (problem) {
      return {
        reason: 'photo-id-format',
        error: new Invalid(`photo_id_number must be ${problem}.`, 'invalid-photo-id', [
          { path: 'body.photo_id_number', message: problem },
        ]),
      };
    }
    const year = clock.now().getUTCFullYear();
    const minimumAge = await store.minimumAge(tx);
    if (input.birth_year > year - minimumAge || input.birth_year < year - OLDEST_AGE) {
      return {
        reason: 'age',
        error: new Invalid(
          `birth_year must be from ${year - OLDEST_AGE} to ${year - minimumAge}: the programme starts at age ${minimumAge}.`,
          'ineligible-age',
        ),
      };
    }
    return undefined;
  }

  const photoIdIndexOf = (type: number, normalized: string) =>
    blindIndex(keys, PURPOSE.photoIdIndex, `${type}:${normalized}`);

  async function insertNew(
    tx: Db,
    mobileRef: string,
    input: NewBeneficiary,
    photoId: string,
    photoIdIndex: string,
  ): Promise<string> {
    const id = await newReferenceId(tx);
    await store.insert(tx, {
      beneficiary_reference_id: id,
      mobile_ref: mobileRef,
      name_enc: encryptField(keys, PURPOSE.name, input.name),
      birth_year_enc: encryptField(keys, PURPOSE.birthYear, String(input.birth_year)),
      gender_id: input.gender_id,
      photo_id_type: input.photo_id_type,
      photo_id_number_enc: encryptField(keys, PURPOSE.photoId, photoId),
      photo_id_index: photoIdIndex,
      comorbidity_ind: input.comorbidity_ind,
      consent_version: input.consent_version,
      created_at: clock.now(),
    });
    return id;
  }

  return {
    idTypes: async (db: Db) => ({
      types: (await store.idTypes(db)).map((t) => ({ id: String(t.id), type: t.type })),
    }),
    genders: async (db: Db) => ({ genders: await store.genders(db) }),

    async register(db: Db, citizen: Citizen, input: NewBeneficiary, context: RequestContext) {
      await registrations.consumeOrThrow(citizen.mobileRef);
      const photoId = normalizePhotoId(input.photo_id_number);
      const photoIdIndex = photoIdIndexOf(input.photo_id_type, photoId);
      const record = (tx: Db, outcome: 'allowed' | 'denied', subjectId?: string, reason?: string) =>
        audit.record(
          tx,
          {
            actor: { type: 'citizen', id: citizen.mobileRef },
            action: 'beneficiary.create',
            ...(subjectId ? { subject: { type: 'beneficiary', id: subjectId } } : {}),
            outcome,
            ...(reason ? { reason } : {}),
            details: { photo_id_type: input.photo_id_type },
          },
          context,
        );
      const deny = async (tx: Db, reason: string, error: AppError) => {
        await record(tx, 'denied', undefined, reason);
        return { error };
      };

      try {
        return await decided(db, async (tx) => {
          if (!(await citizens.lockAccount(tx, citizen.mobileRef))) {
            return deny(tx, 'no-account', new NotFound('There is no account for this token.'));
          }
          const refusal = await admissible(tx, citizen.mobileRef, input, photoId, photoIdIndex);
          if (refusal) return deny(tx, refusal.reason, refusal.error);
          const id = await insertNew(tx, citizen.mobileRef, input, photoId, photoIdIndex);
          await record(tx, 'allowed', id);
          return { value: { beneficiary_reference_id: id } };
        });
      } catch (error) {
        // Two registrations of one photo ID at once: the unique index lets one through.
        if (isPhotoIdRace(error)) {
          await db
            .transaction()
            .execute((tx) => record(tx, 'denied', undefined, 'duplicate-photo-id'));
          throw duplicatePhotoId();
        }
        throw error;
      }
    },

    async list(db: Db, citizen: Citizen) {
      const [rows, last4, booked] = await Promise.all([
        store.listFor(db, citizen.mobileRef),
        citizens.mobileLast4(db, citizen.mobileRef),
        appointments(db, citizen.mobileRef),
      ]);
      return {
        beneficiaries: rows.map((row) => ({
          beneficiary_reference_id: row.beneficiary_reference_id,
          name: decryptField(keys, PURPOSE.name, row.name_enc),
          birth_year: decryptField(keys, PURPOSE.birthYear, row.birth_year_enc),
          gender: row.gender,
          mobile_number: last4 ?? '',
          photo_id_type: row.photo_id_type,
          photo_id_number: maskPhotoId(
            decryptField(keys, PURPOSE.photoId, row.photo_id_number_enc),
          ),
          comorbidity_ind: row.comorbidity_ind,
          vaccination_status: vaccinationStatus(row.doses_given, row.primary_doses),
          vaccine: row.vaccine ?? '',
          dose1_date: cowinDate(row.dose1_date),
          dose2_date: cowinDate(row.dose2_date),
          appointments: booked.get(row.beneficiary_reference_id) ?? [],
        })),
      };
    },

    /**
     * The access check for every route that takes beneficiary ids: all of `ids` must belong
     * to the caller, else 404 `beneficiary-not-found` without saying which or whose. The rows
     * stay locked until `tx` ends. For other domains (booking, certificates) too; they
     * record the refusal in their own audit event.
     */
    async requireOwned(tx: Db, citizen: Citizen, ids: readonly string[]) {
      const rows = await owned(tx, citizen, ids);
      if (!rows) throw notFound();
      return rows;
    },

    /** The birth year of a row `requireOwned` returned, for age rules. */
    birthYear: (row: { birth_year_enc: string }) =>
      Number(decryptField(keys, PURPOSE.birthYear, row.birth_year_enc)),

    async remove(db: Db, citizen: Citizen, id: string, context: RequestContext) {
      const record = (tx: Db, outcome: 'allowed' | 'denied', reason?: string) =>
        audit.record(
          tx,
          {
            actor: { type: 'citizen', id: citizen.mobileRef },
            action: 'beneficiary.delete',
            subject: { type: 'beneficiary', id },
            outcome,
            ...(reason ? { reason } : {}),
          },
          context,
        );
      await decided(db, async (tx) => {
        const [row] = (await owned(tx, citizen, [id])) ?? [];
        if (!row) {
          await record(tx, 'denied', 'not-owned-or-missing');
          return { error: notFound() };
        }
        if (row.doses_given > 0) {
          await record(tx, 'denied', 'dose-given');
          return {
            error: new Conflict(
              'A beneficiary who has received a dose cannot be deleted.',
              'beneficiary-vaccinated',
            ),
          };
        }
        // An open appointment holds a seat; deleting the person would strand it.
        const open = await appointments(tx, citizen.mobileRef);
        if ((open.get(id) ?? []).length > 0) {
          await record(tx, 'denied', 'open-appointment');
          return {
            error: new Conflict(
              'This beneficiary has an open appointment; cancel it first.',
              'beneficiary-has-appointment',
            ),
          };
        }
        await store.delete(tx, id);
        await record(tx, 'allowed');
        return { value: undefined };
      });
    },

    /**
     * On site: registers a walk-in under `mobileRef` (whose account the caller holds
     * locked) by the rules of online registration. Throws the refusal; the caller audits.
     */
    async registerOnSite(tx: Db, mobileRef: string, input: NewBeneficiary): Promise<string> {
      const photoId = normalizePhotoId(input.photo_id_number);
      const photoIdIndex = photoIdIndexOf(input.photo_id_type, photoId);
      const refusal = await admissible(tx, mobileRef, input, photoId, photoIdIndex);
      if (refusal) throw refusal.error;
      return insertNew(tx, mobileRef, input, photoId, photoIdIndex);
    },

    /** What staff at a centre work with, decrypted; the photo ID only masked as certificates print it. */
    async onSite(tx: Db, ids: readonly string[], { lock = false } = {}) {
      const rows = await store.onSite(tx, [...new Set(ids)], lock);
      return rows.map((row) => ({
        referenceId: row.beneficiary_reference_id,
        mobileRef: row.mobile_ref,
        name: decryptField(keys, PURPOSE.name, row.name_enc),
        birthYear: Number(decryptField(keys, PURPOSE.birthYear, row.birth_year_enc)),
        genderId: row.gender_id,
        gender: row.gender,
        photoIdType: row.photo_id_type,
        photoIdTypeName: row.photo_id_type_name,
        maskedPhotoId: certificateMask(
          decryptField(keys, PURPOSE.photoId, row.photo_id_number_enc),
        ),
        dosesGiven: row.doses_given,
        vaccine: row.vaccine,
        dose1Date: row.dose1_date,
        dose2Date: row.dose2_date,
      }));
    },

    /** Whether the photo ID shown ends in `last4` (4 letters or digits), compared in constant time. */
    async photoIdEndsWith(tx: Db, id: string, last4: string): Promise<boolean> {
      const [row] = await store.onSite(tx, [id]);
      if (!row) return false;
      const actual = decryptField(keys, PURPOSE.photoId, row.photo_id_number_enc).slice(-4);
      const given = Buffer.from(last4.toUpperCase().padStart(4, '?'));
      return timingSafeEqual(Buffer.from(actual.padStart(4, '#')), given);
    },

    /** Dose `dose` given on `date` (YYYY-MM-DD): the columns the beneficiary list shows. */
    async recordDose(tx: Db, id: string, dose: number, vaccine: string, date: string) {
      await store.update(tx, id, {
        doses_given: dose,
        ...(dose === 1 ? { vaccine, dose1_date: date } : {}),
        ...(dose === 2 ? { dose2_date: date } : {}),
      });
    },

    /**
     * Applies an approved correction by the rules of registration (gender, photo ID type,
     * format and uniqueness, birth year). Throws the refusal; the caller audits.
     */
    async correct(tx: Db, id: string, changes: BeneficiaryCorrection): Promise<void> {
      const [row] = await store.onSite(tx, [id], true);
      if (!row) throw notFound();
      const photoId =
        changes.photo_id_number === undefined
          ? decryptField(keys, PURPOSE.photoId, row.photo_id_number_enc)
          : normalizePhotoId(changes.photo_id_number);
      const next = {
        gender_id: changes.gender_id ?? row.gender_id,
        photo_id_type: changes.photo_id_type ?? row.photo_id_type,
        birth_year:
          changes.birth_year ?? Number(decryptField(keys, PURPOSE.birthYear, row.birth_year_enc)),
      };
      const refusal = await factsProblem(tx, next, photoId);
      if (refusal) throw refusal.error;
      const photoIdIndex = photoIdIndexOf(next.photo_id_type, photoId);
      const photoChanged =
        changes.photo_id_number !== undefined || changes.photo_id_type !== undefined;
      if (photoChanged && (await store.photoIdTakenByOther(tx, photoIdIndex, id))) {
        throw duplicatePhotoId();
      }
      await store.update(tx, id, {
        ...(changes.name === undefined
          ? {}
          : { name_enc: encryptField(keys, PURPOSE.name, changes.name) }),
        ...(changes.birth_year === undefined
          ? {}
          : { birth_year_enc: encryptField(keys, PURPOSE.birthYear, String(changes.birth_year)) }),
        gender_id: next.gender_id,
        ...(photoChanged
          ? {
              photo_id_type: next.photo_id_type,
              photo_id_number_enc: encryptField(keys, PURPOSE.photoId, photoId),
              photo_id_index: photoIdIndex,
            }
          : {}),
      });
    },
  };
}

export type BeneficiaryService = ReturnType<typeof createBeneficiaryService>;

export const notFound = () =>
  new NotFound('No such beneficiary under this mobile number.', 'beneficiary-not-found');

export const duplicatePhotoId = () =>
  new Conflict(
    'This photo ID number is already registered. Each photo ID can be registered once.',
    'photo-id-already-registered',
  );

export function isPhotoIdRace(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    error.code === '23505' &&
    'constraint' in error &&
    error.constraint === 'beneficiaries_photo_id_unique'
  );
}
