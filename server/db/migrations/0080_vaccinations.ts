import { type Kysely, sql } from 'kysely';

/**
 * At the centre: identity checks and arrivals, doses (one per dose number per person),
 * the idempotency keys of dose recording, adverse events and certificate corrections.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- A dose closes the beneficiary's appointment as completed (not cancelled: its seat was used).
    ALTER TABLE appointments DROP CONSTRAINT appointments_status_check;
    ALTER TABLE appointments ADD CONSTRAINT appointments_status_check
      CHECK (status IN ('booked', 'cancelled', 'rescheduled', 'completed'));

    -- One row per beneficiary per session they came to: identity confirmed, then arrived.
    CREATE TABLE arrivals (
      session_id uuid NOT NULL REFERENCES vaccination_sessions(session_id),
      beneficiary_reference_id text NOT NULL REFERENCES beneficiaries(beneficiary_reference_id),
      identity_confirmed_by text NOT NULL,
      identity_confirmed_at timestamptz NOT NULL,
      arrived_by text,
      arrived_at timestamptz,
      PRIMARY KEY (session_id, beneficiary_reference_id)
    );

    CREATE TABLE doses (
      dose_id uuid PRIMARY KEY,
      beneficiary_reference_id text NOT NULL REFERENCES beneficiaries(beneficiary_reference_id),
      dose smallint NOT NULL CHECK (dose BETWEEN 1 AND 3),
      vaccine text NOT NULL REFERENCES vaccines(code),
      batch text NOT NULL CHECK (batch ~ '^[A-Z0-9][A-Z0-9/-]{3,19}$'),
      vaccinated_at timestamptz NOT NULL,
      session_id uuid NOT NULL REFERENCES vaccination_sessions(session_id),
      center_id integer NOT NULL REFERENCES centres(center_id),
      vaccinator_id text NOT NULL,
      appointment_id uuid,
      certificate_id text NOT NULL REFERENCES certificates(certificate_id),
      recorded_at timestamptz NOT NULL,
      -- No dose number twice for a person, whatever the interleaving of requests.
      CONSTRAINT doses_one_per_number UNIQUE (beneficiary_reference_id, dose)
    );
    CREATE INDEX doses_centre_idx ON doses (center_id);

    -- Idempotency-Key of a dose request, per staff member: the answer is kept with the dose,
    -- in its transaction, so a retry returns it and a concurrent twin waits on the key.
    CREATE TABLE dose_requests (
      staff_id text NOT NULL,
      idempotency_key text NOT NULL,
      request_hash text NOT NULL,
      response jsonb NOT NULL,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (staff_id, idempotency_key)
    );

    CREATE TABLE aefi_reports (
      aefi_id uuid PRIMARY KEY,
      dose_id uuid NOT NULL REFERENCES doses(dose_id),
      severity text NOT NULL CHECK (severity IN ('minor', 'serious', 'severe')),
      category text NOT NULL,
      onset_date date NOT NULL,
      -- Free text may name people or conditions: field-encrypted.
      description_enc text,
      reported_by text NOT NULL,
      center_id integer NOT NULL REFERENCES centres(center_id),
      vaccine text NOT NULL REFERENCES vaccines(code),
      district_id integer NOT NULL,
      state_id integer NOT NULL,
      created_at timestamptz NOT NULL
    );
    CREATE INDEX aefi_reports_place_idx ON aefi_reports (state_id, district_id);

    CREATE TABLE correction_requests (
      request_id uuid PRIMARY KEY,
      beneficiary_reference_id text NOT NULL REFERENCES beneficiaries(beneficiary_reference_id),
      mobile_ref text NOT NULL,
      -- Which facts change (names of fields only, e.g. 'name,birth_year'); the values are encrypted.
      fields text NOT NULL,
      changes_enc text NOT NULL,
      reason_enc text NOT NULL,
      -- The centre of the latest dose when asked: its district decides who may approve.
      center_id integer NOT NULL REFERENCES centres(center_id),
      district_id integer NOT NULL,
      status text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
      created_at timestamptz NOT NULL,
      decided_at timestamptz,
      decided_by text,
      new_certificate_id text,
      -- Why it was rejected, in the admin's words (shown to the citizen): encrypted.
      decision_reason_enc text
    );
    CREATE UNIQUE INDEX correction_requests_one_pending_idx
      ON correction_requests (beneficiary_reference_id) WHERE status = 'pending';
    CREATE INDEX correction_requests_district_idx ON correction_requests (district_id, status);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE correction_requests, aefi_reports, dose_requests, doses, arrivals;
    ALTER TABLE appointments DROP CONSTRAINT appointments_status_check;
    ALTER TABLE appointments ADD CONSTRAINT appointments_status_check
      CHECK (status IN ('booked', 'cancelled', 'rescheduled'));
  `.execute(db);
}
