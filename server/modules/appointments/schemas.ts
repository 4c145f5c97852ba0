import { z } from 'zod';

import { cowinBeneficiaryReferenceId } from '../beneficiaries/schemas.js';
import { SLOT } from '../facilities/slot.js';

/** CoWIN's doses: 1 and 2 of the primary series, 3 the precaution dose. */
const dose = z.union([z.literal(1), z.literal(2), z.literal(3)], {
  error: 'dose must be 1, 2 or 3 (precaution)',
});
/** A CoWIN id (session or appointment): a UUID; anything else is a 400, not a lookup. */
const uuid = z.uuid({ error: 'a UUID' });
const slot = z.string().max(20).regex(SLOT, { error: 'a slot such as 09:00AM-11:00AM' });
/** CoWIN: up to 4 beneficiaries per mobile number, so at most 4 per booking. */
const beneficiaries = z.array(cowinBeneficiaryReferenceId).min(1).max(4);

export const scheduleBody = z.strictObject({
  dose,
  session_id: uuid,
  slot,
  beneficiaries,
});
export type ScheduleInput = z.output<typeof scheduleBody>;

export const rescheduleBody = z.strictObject({
  appointment_id: uuid,
  session_id: uuid,
  slot,
});
export type RescheduleInput = z.output<typeof rescheduleBody>;

export const cancelBody = z.strictObject({
  appointment_id: uuid,
  beneficiariesToCancel: beneficiaries,
});
export type CancelInput = z.output<typeof cancelBody>;

export const confirmationResponse = z.object({ appointment_confirmation_no: z.string() });

export const slipQuery = z.strictObject({ appointment_id: uuid });
