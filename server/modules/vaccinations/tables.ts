import type { ColumnType } from 'kysely';

import type { AgeBand } from './age-band.js';

/** jsonb: written as a JSON string (the same on both engines), read back parsed. */
type Json<T> = ColumnType<T, string, string>;

export type AefiSeverity = 'minor' | 'serious' | 'severe';
export type CorrectionStatus = 'pending' | 'approved' | 'rejected';

/** The answer to a recorded dose, kept for replays of its Idempotency-Key. */
export interface DoseAnswer {
  dose_id: string;
  beneficiary_reference_id: string;
  dose: number;
  vaccine: string;
  session_id: string;
  appointment_id: string | null;
  certificate_id: string;
  certificate_kind: 'provisional' | 'final' | 'precaution';
  vaccinated_at: string;
}

export interface VaccinationTables {
  arrivals: {
    session_id: string;
    beneficiary_reference_id: string;
    identity_confirmed_by: string;
    identity_confirmed_at: Date;
    arrived_by: string | null;
    arrived_at: Date | null;
  };
  doses: {
    dose_id: string;
    beneficiary_reference_id: string;
    dose: number;
    vaccine: string;
    batch: string;
    vaccinated_at: Date;
    session_id: string;
    center_id: number;
    vaccinator_id: string;
    appointment_id: string | null;
    certificate_id: string;
    recorded_at: Date;
    /** The age band at the dose (`ageBand`); null only until `backfillAgeBands` has run. */
    age_band: ColumnType<AgeBand | null, AgeBand, AgeBand>;
  };
  dose_requests: {
    staff_id: string;
    idempotency_key: string;
    request_hash: string;
    response: Json<DoseAnswer>;
    created_at: Date;
  };
  aefi_reports: {
    aefi_id: string;
    dose_id: string;
    severity: AefiSeverity;
    category: string;
    onset_date: string;
    description_enc: string | null;
    reported_by: string;
    center_id: number;
    vaccine: string;
    district_id: number;
    state_id: number;
    created_at: Date;
  };
  correction_requests: {
    request_id: string;
    beneficiary_reference_id: string;
    mobile_ref: string;
    fields: string;
    changes_enc: string;
    reason_enc: string;
    center_id: number;
    district_id: number;
    status: CorrectionStatus;
    created_at: Date;
    decided_at: Date | null;
    decided_by: string | null;
    new_certificate_id: string | null;
    decision_reason_enc: string | null;
  };
}
