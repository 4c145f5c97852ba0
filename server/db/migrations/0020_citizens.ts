import { type Kysely, sql } from 'kysely';

/**
 * Citizens: OTP transactions, accounts (one per mobile), revoked tokens and beneficiaries.
 * Personal values are stored only encrypted (`*_enc`, see server/crypto/keys.ts) and found
 * only through keyed blind indexes (`mobile_ref`, `photo_id_index`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE otp_transactions (
      txn_id uuid PRIMARY KEY,
      mobile_ref text NOT NULL,
      mobile_enc text NOT NULL,
      -- HMAC of (txn id, SHA-256 of the OTP) under its own key: the OTP itself is never stored.
      otp_hash text NOT NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'used', 'dead')),
      attempts integer NOT NULL DEFAULT 0 CHECK (attempts BETWEEN 0 AND 3),
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL
    );
    CREATE INDEX otp_transactions_expires_idx ON otp_transactions (expires_at);

    CREATE TABLE citizen_accounts (
      mobile_ref text PRIMARY KEY,
      mobile_enc text NOT NULL,
      created_at timestamptz NOT NULL
    );

    -- Logged-out tokens until they would have expired anyway: shared by every node.
    CREATE TABLE citizen_token_revocations (
      jti uuid PRIMARY KEY,
      expires_at timestamptz NOT NULL
    );
    CREATE INDEX citizen_token_revocations_expires_idx ON citizen_token_revocations (expires_at);

    CREATE TABLE beneficiaries (
      beneficiary_reference_id text PRIMARY KEY CHECK (beneficiary_reference_id ~ '^[1-9][0-9]{13}$'),
      mobile_ref text NOT NULL REFERENCES citizen_accounts(mobile_ref),
      name_enc text NOT NULL,
      birth_year_enc text NOT NULL,
      gender_id integer NOT NULL REFERENCES genders(id),
      photo_id_type integer NOT NULL REFERENCES id_types(id),
      photo_id_number_enc text NOT NULL,
      -- One photo ID, one beneficiary, anywhere in the system.
      photo_id_index text NOT NULL CONSTRAINT beneficiaries_photo_id_unique UNIQUE,
      comorbidity_ind text NOT NULL CHECK (comorbidity_ind IN ('Y', 'N')),
      consent_version text NOT NULL,
      -- Kept up to date by the vaccination domain when it records a dose.
      doses_given integer NOT NULL DEFAULT 0 CHECK (doses_given >= 0),
      vaccine text REFERENCES vaccines(code),
      dose1_date date,
      dose2_date date,
      created_at timestamptz NOT NULL
    );
    CREATE INDEX beneficiaries_mobile_idx ON beneficiaries (mobile_ref);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE beneficiaries, citizen_token_revocations, citizen_accounts, otp_transactions`.execute(
    db,
  );
}
