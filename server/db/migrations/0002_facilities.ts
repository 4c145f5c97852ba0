import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE centres (
      center_id serial PRIMARY KEY,
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      address text NOT NULL,
      state_id integer NOT NULL REFERENCES states(state_id),
      district_id integer NOT NULL REFERENCES districts(district_id),
      block_name text NOT NULL,
      pincode integer NOT NULL CHECK (pincode BETWEEN 110000 AND 999999),
      lat double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
      long double precision NOT NULL CHECK (long BETWEEN -180 AND 180),
      opens_at time NOT NULL,
      closes_at time NOT NULL,
      fee_type text NOT NULL CHECK (fee_type IN ('Free', 'Paid')),
      vaccine_fees jsonb NOT NULL DEFAULT '[]',
      active boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX centres_district_idx ON centres (district_id) WHERE active;
    CREATE INDEX centres_pincode_idx ON centres (pincode) WHERE active;

    CREATE TABLE vaccination_sessions (
      session_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      center_id integer NOT NULL REFERENCES centres(center_id),
      date date NOT NULL,
      vaccine text NOT NULL REFERENCES vaccines(code),
      min_age_limit integer NOT NULL CHECK (min_age_limit >= 0),
      max_age_limit integer CHECK (max_age_limit IS NULL OR max_age_limit >= min_age_limit),
      capacity_dose1 integer NOT NULL CHECK (capacity_dose1 >= 0),
      capacity_dose2 integer NOT NULL CHECK (capacity_dose2 >= 0),
      capacity_precaution integer NOT NULL DEFAULT 0 CHECK (capacity_precaution >= 0),
      -- Seats left: the database itself refuses to go below zero or above capacity.
      available_dose1 integer NOT NULL CHECK (available_dose1 BETWEEN 0 AND capacity_dose1),
      available_dose2 integer NOT NULL CHECK (available_dose2 BETWEEN 0 AND capacity_dose2),
      available_precaution integer NOT NULL CHECK (available_precaution BETWEEN 0 AND capacity_precaution),
      slots jsonb NOT NULL,
      allow_walk_in boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX vaccination_sessions_center_date_idx ON vaccination_sessions (center_id, date);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE vaccination_sessions, centres`.execute(db);
}
