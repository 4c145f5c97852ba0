import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Issuer keys: one row per generation; the highest generation signs, every row stays
    -- published and keeps verifying what it signed. The private key is field-encrypted.
    CREATE TABLE certificate_keys (
      generation integer PRIMARY KEY CHECK (generation > 0),
      kid text NOT NULL UNIQUE,
      public_key text NOT NULL,
      private_key text NOT NULL,
      created_at timestamptz NOT NULL
    );

    -- DIVOC-style numeric certificate ids, handed to each node in blocks of 100 (one
    -- nextval per 100 certificates instead of a round trip each).
    CREATE SEQUENCE certificate_id_seq START WITH 1000000001 INCREMENT BY 100;

    CREATE TABLE certificates (
      certificate_id text PRIMARY KEY,
      beneficiary_reference_id text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('provisional', 'final', 'precaution')),
      dose integer NOT NULL CHECK (dose > 0),
      key_generation integer NOT NULL REFERENCES certificate_keys (generation),
      -- The signed credential (name, masked photo ID...): personal data, field-encrypted.
      credential text NOT NULL,
      issued_at timestamptz NOT NULL
    );
    CREATE INDEX certificates_beneficiary_idx ON certificates (beneficiary_reference_id, issued_at);

    CREATE TABLE certificate_revocations (
      seq bigserial PRIMARY KEY,
      certificate_id text NOT NULL UNIQUE REFERENCES certificates (certificate_id),
      reason text NOT NULL,
      revoked_at timestamptz NOT NULL
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE certificate_revocations;
    DROP TABLE certificates;
    DROP SEQUENCE certificate_id_seq;
    DROP TABLE certificate_keys;
  `.execute(db);
}
