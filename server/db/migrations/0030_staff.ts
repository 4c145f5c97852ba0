import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE staff_accounts (
      staff_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      -- Lowercased login name; a pseudonymous handle, never shown in audit records.
      username text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'active', 'disabled')),
      password_hash text,
      -- encryptField(keys, 'staff-totp', base32 secret): useless without the master key.
      totp_secret text,
      -- The last RFC 6238 time step accepted for this account: a code is never accepted twice.
      totp_last_step bigint,
      must_reset boolean NOT NULL DEFAULT false,
      created_by uuid REFERENCES staff_accounts(staff_id),
      created_at timestamptz NOT NULL,
      password_changed_at timestamptz
    );

    -- One role within one place: all of state_id, district_id, center_id null is the whole
    -- country; the ancestors of a district or centre are stored with it so that containment
    -- is a comparison of columns.
    CREATE TABLE staff_grants (
      grant_id serial PRIMARY KEY,
      staff_id uuid NOT NULL REFERENCES staff_accounts(staff_id),
      role text NOT NULL CHECK (role IN ('national-admin', 'state-admin', 'district-admin',
        'facility-admin', 'verifier', 'vaccinator', 'auditor', 'partner-manager')),
      state_id integer REFERENCES states(state_id),
      district_id integer REFERENCES districts(district_id),
      center_id integer REFERENCES centres(center_id),
      CHECK (district_id IS NULL OR state_id IS NOT NULL),
      CHECK (center_id IS NULL OR district_id IS NOT NULL)
    );
    CREATE INDEX staff_grants_staff_idx ON staff_grants (staff_id);
    CREATE INDEX staff_grants_place_idx ON staff_grants (state_id, district_id, center_id);

    -- One-time links to set a password and second factor; only a SHA-256 of the token is kept.
    CREATE TABLE staff_enrolments (
      token_hash text PRIMARY KEY,
      staff_id uuid NOT NULL REFERENCES staff_accounts(staff_id),
      purpose text NOT NULL CHECK (purpose IN ('enrol', 'reset')),
      pending_totp_secret text,
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      used_at timestamptz
    );
    CREATE INDEX staff_enrolments_staff_idx ON staff_enrolments (staff_id);

    -- Server-side sessions (cookie) and API tokens (bearer): revocation is one UPDATE,
    -- effective on every node at the next request. Only a SHA-256 of each token is kept.
    CREATE TABLE staff_sessions (
      token_hash text PRIMARY KEY,
      staff_id uuid NOT NULL REFERENCES staff_accounts(staff_id),
      kind text NOT NULL CHECK (kind IN ('cookie', 'bearer')),
      csrf_hash text,
      created_at timestamptz NOT NULL,
      last_seen_at timestamptz NOT NULL,
      second_factor_at timestamptz NOT NULL,
      revoked_at timestamptz
    );
    CREATE INDEX staff_sessions_staff_idx ON staff_sessions (staff_id) WHERE revoked_at IS NULL;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE staff_sessions, staff_enrolments, staff_grants, staff_accounts`.execute(db);
}
