import { z } from 'zod';

import { listedAppointment } from '../appointments/listing.js';

/** CoWIN's 14-digit beneficiary reference id (13 in the earliest records; Teeka issues 14). */
export const beneficiaryReferenceId = z
  .string()
  .regex(/^[0-9]{13,14}$/, { error: 'a 13 or 14 digit beneficiary reference id' });

/**
 * In a CoWIN v2 body clients send the reference id as a string or as a JSON number (14 digits
 * fit a double exactly); it is a string from here on.
 */
export const cowinBeneficiaryReferenceId = z.union([
  beneficiaryReferenceId,
  z
    .number()
    .int()
    .min(1e12, { error: 'a 13 or 14 digit beneficiary reference id' })
    .max(1e14 - 1, { error: 'a 13 or 14 digit beneficiary reference id' })
    .transform(String),
]);

/** A CoWIN list id (gender, photo ID type): a number, or its digits as idTypes lists them ("1"). */
const cowinListId = z
  .union([z.number(), z.string().regex(/^[1-9][0-9]{0,3}$/, { error: 'a whole number' })])
  .transform(Number)
  .pipe(z.number().int().min(1).max(1000));

export const newBeneficiaryBody = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[\p{L}\p{M}][\p{L}\p{M} .'-]*$/u, {
      error: 'letters, spaces, dots, apostrophes and hyphens',
    }),
  // CoWIN clients send it as a string ("1990"); a number is accepted too.
  birth_year: z
    .union([z.string().regex(/^[0-9]{4}$/), z.number().int().min(1000).max(9999)])
    .transform(Number),
  gender_id: cowinListId,
  photo_id_type: cowinListId,
  photo_id_number: z.string().min(1).max(40),
  comorbidity_ind: z.enum(['Y', 'N']),
  consent_version: z
    .string()
    .min(1)
    .max(20)
    .regex(/^[A-Za-z0-9._-]+$/),
});
export type NewBeneficiary = z.infer<typeof newBeneficiaryBody>;

export const newBeneficiaryResponse = z.object({ beneficiary_reference_id: z.string() });

export const deleteBeneficiaryBody = z.strictObject({
  beneficiary_reference_id: cowinBeneficiaryReferenceId,
});

export const idTypesResponse = z.object({
  types: z.array(z.object({ id: z.string(), type: z.string() })),
});
export const gendersResponse = z.object({
  genders: z.array(z.object({ id: z.number().int(), gender: z.string() })),
});

export const beneficiariesResponse = z.object({
  beneficiaries: z.array(
    z.object({
      beneficiary_reference_id: z.string(),
      name: z.string(),
      birth_year: z.string(),
      gender: z.string(),
      mobile_number: z.string(),
      /** The ID type's name, as CoWIN listed it ("Aadhaar Card"); gender is a name too. */
      photo_id_type: z.string(),
      photo_id_number: z.string(),
      comorbidity_ind: z.enum(['Y', 'N']),
      vaccination_status: z.string(),
      vaccine: z.string(),
      dose1_date: z.string(),
      dose2_date: z.string(),
      appointments: z.array(listedAppointment),
    }),
  ),
});
