import type { Db } from '../../db/index.js';
import type { Outbox } from '../events/outbox.js';

/**
 * The events of the vaccination record, written in the transaction that makes the change:
 * ids only, no personal data (a consumer that needs more reads it by id).
 */
export const DOSE_RECORDED = 'dose.recorded';
export const CERTIFICATE_ISSUED = 'certificate.issued';

export type VaccinationOutbox = Pick<Outbox, 'add'>;

export function doseRecorded(
  outbox: VaccinationOutbox,
  tx: Db,
  payload: {
    dose_id: string;
    beneficiary_reference_id: string;
    session_id: string;
    center_id: number;
    certificate_id: string;
  },
) {
  return outbox.add(tx, { topic: DOSE_RECORDED, key: payload.dose_id, payload });
}

/** A certificate for a dose, or a corrected one that replaces (and revoked) another. */
export function certificateIssued(
  outbox: VaccinationOutbox,
  tx: Db,
  payload: {
    certificate_id: string;
    beneficiary_reference_id: string;
    reason: 'dose' | 'correction';
    replaces: string | null;
  },
) {
  return outbox.add(tx, { topic: CERTIFICATE_ISSUED, key: payload.certificate_id, payload });
}
