import { z } from 'zod';

import { SLOT } from './slot.js';

/** CoWIN dates are DD-MM-YYYY; a date that does not exist (31-02-2026) is refused, not rolled over. */
export const cowinDate = z
  .string()
  .max(10)
  .regex(/^\d{2}-\d{2}-\d{4}$/, { error: 'a date as DD-MM-YYYY' })
  .transform((value, ctx) => {
    const [dd, mm, yyyy] = value.split('-').map(Number) as [number, number, number];
    const date = new Date(Date.UTC(yyyy, mm - 1, dd));
    if (
      yyyy < 2020 ||
      yyyy > 2099 ||
      date.getUTCFullYear() !== yyyy ||
      date.getUTCMonth() !== mm - 1 ||
      date.getUTCDate() !== dd
    ) {
      ctx.addIssue({ code: 'custom', message: 'a real calendar date from 2020 to 2099' });
      return z.NEVER;
    }
    return date.toISOString().slice(0, 10);
  });

const pincode = z
  .string()
  .regex(/^[1-9]\d{5}$/, { error: 'a 6-digit Indian PIN code' })
  .transform(Number);
const id = (what: string) =>
  z
    .string()
    .regex(/^[1-9]\d{0,8}$/, { error: `a ${what} from 1 to 999999999` })
    .transform(Number);
// Vaccine codes contain spaces ("SPUTNIK V"); anything longer or stranger is refused at once.
const vaccine = z
  .string()
  .regex(/^[A-Za-z0-9 -]{1,30}$/, { error: 'a vaccine name such as COVISHIELD' })
  .transform((v) => v.toUpperCase())
  .optional();

export const byPinQuery = z.strictObject({ pincode, date: cowinDate, vaccine });
export const byDistrictQuery = z.strictObject({
  district_id: id('district_id'),
  date: cowinDate,
  vaccine,
});
export const byCentreQuery = z.strictObject({
  center_id: id('center_id'),
  date: cowinDate,
  vaccine,
});
const coordinate = (max: number) =>
  z
    .string()
    .max(20)
    // Bounded quantifiers on at most 20 characters: no catastrophic backtracking.
    // eslint-disable-next-line security/detect-unsafe-regex
    .regex(/^-?\d{1,3}(\.\d{1,10})?$/, { error: `a decimal number from -${max} to ${max}` })
    .transform(Number)
    .refine((v) => Math.abs(v) <= max, { error: `a decimal number from -${max} to ${max}` });
export const byLatLongQuery = z.strictObject({ lat: coordinate(90), long: coordinate(180) });

/* Responses: CoWIN v2's field names, types and order (compared with captured responses in tests). */

const sessionFields = {
  session_id: z.string(),
  date: z.string(),
  available_capacity: z.number().int(),
  min_age_limit: z.number().int(),
  max_age_limit: z.number().int().optional(),
  allow_all_age: z.boolean(),
  vaccine: z.string(),
  slots: z.array(z.string()),
  available_capacity_dose1: z.number().int(),
  available_capacity_dose2: z.number().int(),
};
const centreFields = {
  center_id: z.number().int(),
  name: z.string(),
  address: z.string(),
  state_name: z.string(),
  district_name: z.string(),
  block_name: z.string(),
  pincode: z.number().int(),
  lat: z.number().int(),
  long: z.number().int(),
  from: z.string(),
  to: z.string(),
  fee_type: z.enum(['Free', 'Paid']),
};
const vaccineFees = z.array(z.object({ vaccine: z.string(), fee: z.string() }));

export const flatSession = z.object({
  ...centreFields,
  ...sessionFields,
  fee: z.string(),
});
export const sessionsResponse = z.object({ sessions: z.array(flatSession) });

export const calendarCentre = z.object({
  ...centreFields,
  sessions: z.array(z.object(sessionFields)),
  vaccine_fees: vaccineFees.optional(),
});
export const calendarResponse = z.object({ centers: z.array(calendarCentre) });
/** CoWIN answered calendarByCenter with one object, and `{}` when the centre had no sessions. */
export const calendarByCentreResponse = z.object({ centers: calendarCentre.optional() });

export const nearbyCentre = z.object({
  center_id: z.number().int(),
  name: z.string(),
  district_name: z.string(),
  state_name: z.string(),
  location: z.string(),
  pincode: z.string(),
  block_name: z.string(),
  lat: z.string(),
  long: z.string(),
  /** Teeka's addition: great-circle distance from the asked point (rounded to 0.001 degrees), in kilometres. */
  distance: z.number(),
});
export const nearbyResponse = z.object({ centers: z.array(nearbyCentre), ttl: z.number().int() });

/* Inputs for creating and changing centres and sessions (CLI now, staff API later). */

const timeOfDay = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'a time as HH:MM (24-hour)' });
const text = (max: number) => z.string().trim().min(1).max(max);

export const vaccineFeeInput = z.strictObject({
  vaccine: z.string().min(1).max(30),
  fee: z.number().int().min(0).max(100_000),
});

export const newCentreInput = z.strictObject({
  name: text(200),
  address: text(500),
  district_id: z.number().int().min(1).max(999_999),
  block_name: text(200),
  pincode: z.number().int().min(110_000).max(999_999),
  lat: z.number().min(-90).max(90),
  long: z.number().min(-180).max(180),
  opens_at: timeOfDay,
  closes_at: timeOfDay,
  fee_type: z.enum(['Free', 'Paid']),
  vaccine_fees: z.array(vaccineFeeInput).max(20).default([]),
});
export type NewCentreInput = z.input<typeof newCentreInput>;

export const centreChangesInput = newCentreInput
  .omit({ district_id: true })
  .partial()
  .extend({
    vaccine_fees: z.array(vaccineFeeInput).max(20).optional(),
    active: z.boolean().optional(),
  });
export type CentreChangesInput = z.input<typeof centreChangesInput>;

const seats = z.number().int().min(0).max(100_000);

export const newSessionInput = z.strictObject({
  center_id: z.number().int().min(1).max(2_147_483_647),
  /** YYYY-MM-DD. */
  date: z.iso.date(),
  vaccine: z.string().min(1).max(30),
  min_age_limit: z.number().int().min(0).max(150),
  max_age_limit: z.number().int().min(0).max(150).nullable().default(null),
  capacity_dose1: seats,
  capacity_dose2: seats,
  capacity_precaution: seats.default(0),
  slots: z
    .array(z.string().regex(SLOT, { error: 'a slot such as 09:00AM-11:00AM' }))
    .min(1)
    .max(24),
  allow_walk_in: z.boolean().default(false),
});
export type NewSessionInput = z.input<typeof newSessionInput>;

/**
 * What may change in a session: its date, centre and vaccine stay (bookings rest on them).
 * No defaults here: a field left out keeps its value.
 */
export const sessionChangesInput = z.strictObject({
  min_age_limit: newSessionInput.shape.min_age_limit.optional(),
  max_age_limit: z.number().int().min(0).max(150).nullable().optional(),
  capacity_dose1: seats.optional(),
  capacity_dose2: seats.optional(),
  capacity_precaution: seats.optional(),
  slots: newSessionInput.shape.slots.optional(),
  allow_walk_in: z.boolean().optional(),
});
export type SessionChangesInput = z.input<typeof sessionChangesInput>;

export const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Centres as their admins see and edit them, with sessions from today on, and the vaccines. */
export const managedCentresResponse = z.object({
  /** The vaccine codes a session can give (the master data's vaccines). */
  vaccines: z.array(z.string()),
  centres: z.array(
    newCentreInput.extend({
      center_id: z.number().int(),
      active: z.boolean(),
      sessions: z.array(
        newSessionInput.extend({
          session_id: z.string(),
          available_dose1: z.number().int(),
          available_dose2: z.number().int(),
          available_precaution: z.number().int(),
          max_age_limit: z.number().int().nullable(),
          capacity_precaution: z.number().int(),
          allow_walk_in: z.boolean(),
        }),
      ),
    }),
  ),
});
