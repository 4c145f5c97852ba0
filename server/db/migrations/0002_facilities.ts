import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE centres (
      center_id serial PRIMARY KEY,
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      address text NOT NULL CHECK (length(address) BETWEEN 1 AND 500),
      state_id integer NOT NULL REFERENCES states(state_id),
      district_id integer NOT NULL REFERENCES districts(district_id),
      block_name text NOT NULL CHECK (length(block_name) BETWEEN 1 AND 200),
      pincode integer NOT NULL CHECK (pincode BETWEEN 110000 AND 999999),
      lat double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
      long double precision NOT NULL CHECK (long BETWEEN -180 AND 180),
      opens_at time NOT NULL,
      closes_at time NOT NULL CHECK (closes_at > opens_at),
      fee_type text NOT NULL CHECK (fee_type IN ('Free', 'Paid')),
      -- [{"vaccine":"COVISHIELD","fee":"780"}]: CoWIN's own shape, fees in whole rupees.
      vaccine_fees jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(vaccine_fees) = 'array'),
      active boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX centres_district_idx ON centres (district_id) WHERE active;
    CREATE INDEX centres_pincode_idx ON centres (pincode) WHERE active;
    -- Nearest-centre search narrows by a bounding box on latitude first.
    CREATE INDEX centres_lat_idx ON centres (lat) WHERE active;

    CREATE TABLE vaccination_sessions (
      session_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      center_id integer NOT NULL REFERENCES centres(center_id),
      date date NOT NULL,
      vaccine text NOT NULL REFERENCES vaccines(code),
      min_age_limit integer NOT NULL CHECK (min_age_limit BETWEEN 0 AND 150),
      max_age_limit integer CHECK (max_age_limit IS NULL OR max_age_limit BETWEEN min_age_limit AND 150),
      capacity_dose1 integer NOT NULL CHECK (capacity_dose1 BETWEEN 0 AND 100000),
      capacity_dose2 integer NOT NULL CHECK (capacity_dose2 BETWEEN 0 AND 100000),
      capacity_precaution integer NOT NULL DEFAULT 0 CHECK (capacity_precaution BETWEEN 0 AND 100000),
      -- Seats left: the database itself refuses to go below zero or above capacity.
      available_dose1 integer NOT NULL CHECK (available_dose1 BETWEEN 0 AND capacity_dose1),
      available_dose2 integer NOT NULL CHECK (available_dose2 BETWEEN 0 AND capacity_dose2),
      available_precaution integer NOT NULL CHECK (available_precaution BETWEEN 0 AND capacity_precaution),
      slots jsonb NOT NULL CHECK (jsonb_typeof(slots) = 'array' AND jsonb_array_length(slots) > 0),
      allow_walk_in boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX vaccination_sessions_center_date_idx ON vaccination_sessions (center_id, date);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE vaccination_sessions, centres`.execute(db);
}
