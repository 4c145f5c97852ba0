import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- One row per beneficiary per booking. A CoWIN appointment_id names the beneficiaries
    -- booked together; rescheduling closes their rows and opens new ones under the same id.
    CREATE TABLE appointments (
      id bigserial PRIMARY KEY,
      appointment_id uuid NOT NULL,
      mobile_ref text NOT NULL,
      beneficiary_reference_id text NOT NULL,
      session_id uuid NOT NULL REFERENCES vaccination_sessions(session_id),
      -- 1 and 2 draw on the session's dose 1 and dose 2 seats, 3 on its precaution seats.
      dose smallint NOT NULL CHECK (dose BETWEEN 1 AND 3),
      slot text NOT NULL CHECK (length(slot) <= 20),
      status text NOT NULL CHECK (status IN ('booked', 'cancelled', 'rescheduled')),
      created_at timestamptz NOT NULL,
      closed_at timestamptz
    );
    -- One open appointment per beneficiary, whatever the interleaving of requests.
    CREATE UNIQUE INDEX appointments_one_open_idx
      ON appointments (beneficiary_reference_id) WHERE status = 'booked';
    CREATE INDEX appointments_appointment_idx ON appointments (appointment_id);
    CREATE INDEX appointments_mobile_idx ON appointments (mobile_ref) WHERE status = 'booked';
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE appointments`.execute(db);
}
