import { z } from 'zod';

import {
  beneficiaryReferenceId,
  gendersResponse,
  idTypesResponse,
  newBeneficiaryBody,
} from '../beneficiaries/schemas.js';
import { SESSION_ID } from '../facilities/schemas.js';

const uuid = z.string().regex(SESSION_ID, { error: 'a UUID' });
const isoDate = z
  .string()
  .regex(/^20[0-9]{2}-[0-9]{2}-[0-9]{2}$/, { error: 'a date, YYYY-MM-DD' })
  .refine((d) => !Number.isNaN(Date.parse(d)) && new Date(d).toISOString().startsWith(d), {
    error: 'a date that exists',
  });

export const centerParams = z.strictObject({
  centerId: z
    .string()
    .regex(/^[1-9]\d{0,8}$/, { error: 'a centre id from 1 to 999999999' })
    .transform(Number),
});
export const sessionParams = z.strictObject({ sessionId: uuid });
export const doseParams = z.strictObject({ doseId: uuid });
export const requestParams = z.strictObject({ requestId: uuid });

export const appointmentsQuery = z.strictObject({ date: isoDate.optional() });
export const appointmentsResponse = z.object({
  date: z.string(),
  appointments: z.array(
    z.object({
      appointment_id: z.string(),
      beneficiary_reference_id: z.string(),
      /** First letter of each word, the rest as '*'. */
      name: z.string(),
      session_id: z.string(),
      slot: z.string(),
      dose: z.number().int(),
      status: z.enum(['booked', 'arrived', 'completed']),
    }),
  ),
});

export const findQuery = z.union([
  z.strictObject({ reference_id: beneficiaryReferenceId }),
  z.strictObject({ appointment_id: uuid }),
]);
export const findResponse = z.object({
  beneficiaries: z.array(
    z.object({
      beneficiary_reference_id: z.string(),
      name: z.string(),
      birth_year: z.number().int(),
      gender: z.string(),
      /** The type of photo ID to ask for; its number is never shown (the verifier checks it). */
      photo_id_type: z.string(),
      doses_given: z.number().int(),
      vaccine: z.string().nullable(),
      appointment: z
        .object({
          appointment_id: z.string(),
          session_id: z.string(),
          slot: z.string(),
          dose: z.number(),
        })
        .nullable(),
    }),
  ),
});

export const identityBody = z.strictObject({
  beneficiary_reference_id: beneficiaryReferenceId,
  photo_id_last4: z.string().regex(/^[A-Za-z0-9]{4}$/, { error: '4 letters or digits' }),
});
export const identityResponse = z.object({ confirmed: z.boolean() });

export const arrivalBody = z.strictObject({ beneficiary_reference_id: beneficiaryReferenceId });
export const arrivalResponse = z.object({ arrived_at: z.string() });

export const walkInBody = newBeneficiaryBody
  .omit({ consent_version: true, comorbidity_ind: true })
  .extend({
    mobile: z.string().regex(/^[6-9][0-9]{9}$/, { error: '10 digits starting 6 to 9' }),
    comorbidity_ind: z.enum(['Y', 'N']).default('N'),
    consent_version: newBeneficiaryBody.shape.consent_version.default('V1'),
  });
export type WalkIn = z.output<typeof walkInBody>;
export const walkInChoicesResponse = idTypesResponse.extend(gendersResponse.shape);
export const walkInResponse = z.object({
  beneficiary_reference_id: z.string(),
  appointment_id: z.string(),
});

/** Letters and digits (any case, stored upper), / and -: 4 to 20, as vial labels print them. */
export const BATCH = /^[A-Za-z0-9][A-Za-z0-9/-]{3,19}$/;
export const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{16,64}$/;

export const doseHeaders = z.object({
  'idempotency-key': z
    .string()
    .regex(IDEMPOTENCY_KEY, { error: '16 to 64 characters of A-Z a-z 0-9 . _ : -' }),
});
export const doseBody = z.strictObject({
  session_id: uuid,
  beneficiary_reference_id: beneficiaryReferenceId,
  vaccine: z.string().min(1).max(20),
  batch: z.string().regex(BATCH, { error: 'a batch number: 4 to 20 letters, digits, / or -' }),
  dose: z.number().int().min(1).max(3),
  vaccinated_at: z.iso.datetime({ offset: true }),
});
export type DoseInput = z.output<typeof doseBody>;
export const doseResponse = z.object({
  dose_id: z.string(),
  beneficiary_reference_id: z.string(),
  dose: z.number().int(),
  vaccine: z.string(),
  session_id: z.string(),
  appointment_id: z.string().nullable(),
  certificate_id: z.string(),
  certificate_kind: z.enum(['provisional', 'final', 'precaution']),
  vaccinated_at: z.string(),
});

/** Event types as reported at the site (Brighton Collaboration case definitions where they exist). */
export const AEFI_CATEGORIES = [
  'injection-site-reaction',
  'fever',
  'allergic-reaction',
  'anaphylaxis',
  'syncope',
  'seizure',
  'thrombosis-with-thrombocytopenia',
  'guillain-barre-syndrome',
  'myocarditis',
  'death',
  'other',
] as const;
export const aefiBody = z.strictObject({
  severity: z.enum(['minor', 'serious', 'severe']),
  category: z.enum(AEFI_CATEGORIES),
  onset_date: isoDate,
  description: z.string().trim().min(1).max(1_000).optional(),
});
export type AefiInput = z.output<typeof aefiBody>;
export const aefiResponse = z.object({ aefi_id: z.string() });

export const aefiReportQuery = z.union([
  z.strictObject({}),
  z.strictObject({ state_id: z.coerce.number().int().min(1).max(999_999) }),
  z.strictObject({ district_id: z.coerce.number().int().min(1).max(999_999) }),
]);
export const AEFI_SUPPRESS_BELOW = 5;
export const aefiReportResponse = z.object({
  scope: z.string(),
  /** Counts below this are shown as "<5", so that a rare event cannot point at a person. */
  suppressed_below: z.number().int(),
  counts: z.array(
    z.object({
      vaccine: z.string(),
      severity: z.enum(['minor', 'serious', 'severe']),
      count: z.union([z.number().int(), z.literal(`<${AEFI_SUPPRESS_BELOW}`)]),
    }),
  ),
});

const correctedFacts = newBeneficiaryBody
  .pick({
    name: true,
    birth_year: true,
    gender_id: true,
    photo_id_type: true,
    photo_id_number: true,
  })
  .partial();
export const correctionBody = z
  .strictObject({
    beneficiary_reference_id: beneficiaryReferenceId,
    ...correctedFacts.shape,
    reason: z.string().trim().min(5).max(500),
  })
  .refine(
    (b) =>
      b.name !== undefined ||
      b.birth_year !== undefined ||
      b.gender_id !== undefined ||
      b.photo_id_number !== undefined,
    { error: 'name, birth_year, gender_id or photo_id_number: at least one to correct' },
  )
  .refine((b) => b.photo_id_type === undefined || b.photo_id_number !== undefined, {
    error: 'a new photo_id_type needs its photo_id_number',
    path: ['photo_id_number'],
  });
export type CorrectionInput = z.output<typeof correctionBody>;
export const CORRECTABLE = [
  'name',
  'birth_year',
  'gender_id',
  'photo_id_type',
  'photo_id_number',
] as const;

export const correctionCreated = z.object({ request_id: z.string(), status: z.literal('pending') });
export const myCorrectionsResponse = z.object({
  requests: z.array(
    z.object({
      request_id: z.string(),
      beneficiary_reference_id: z.string(),
      fields: z.array(z.string()),
      status: z.enum(['pending', 'approved', 'rejected']),
      requested_at: z.string(),
      decided_at: z.string().nullable(),
      new_certificate_id: z.string().nullable(),
      decision_reason: z.string().nullable(),
    }),
  ),
});

export const pendingQuery = z.strictObject({
  district_id: z.coerce.number().int().min(1).max(999_999),
});
const maskedFacts = z.object({
  name: z.string().optional(),
  birth_year: z.number().int().optional(),
  gender: z.string().optional(),
  photo_id: z.string().optional(),
});
export const pendingResponse = z.object({
  requests: z.array(
    z.object({
      request_id: z.string(),
      beneficiary_reference_id: z.string(),
      center_id: z.number().int(),
      fields: z.array(z.string()),
      current: maskedFacts,
      requested: maskedFacts,
      requested_at: z.string(),
    }),
  ),
});
export const rejectBody = z.strictObject({ reason: z.string().trim().min(1).max(500).optional() });
export const decisionResponse = z.object({
  request_id: z.string(),
  status: z.enum(['approved', 'rejected']),
  new_certificate_id: z.string().nullable(),
  revoked_certificate_id: z.string().nullable(),
});
