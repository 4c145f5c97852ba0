import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Partner clients. The secret is kept only as an HMAC under a key-ring key; a rotation
    -- bumps secret_generation, which every token carries, so older tokens end at once.
    CREATE TABLE partner_clients (
      client_id text PRIMARY KEY,
      name text NOT NULL,
      purpose text NOT NULL,
      contact text NOT NULL,
      scopes jsonb NOT NULL,
      allow_list jsonb NOT NULL,
      per_minute integer NOT NULL CHECK (per_minute BETWEEN 1 AND 100000),
      per_day integer NOT NULL CHECK (per_day BETWEEN 1 AND 10000000),
      secret_hash text NOT NULL,
      secret_generation integer NOT NULL DEFAULT 1 CHECK (secret_generation > 0),
      status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'revoked')),
      status_reason text,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    );
    CREATE UNIQUE INDEX partner_clients_name_unique ON partner_clients (lower(name));

    -- A partner's request for a person's consent: the OTP sent to the person, hashed.
    CREATE TABLE partner_consent_requests (
      request_id text PRIMARY KEY,
      client_id text NOT NULL REFERENCES partner_clients (client_id),
      mobile_ref text NOT NULL,
      beneficiary_reference_id text NOT NULL,
      scope text NOT NULL,
      purpose text NOT NULL,
      valid_seconds integer NOT NULL CHECK (valid_seconds BETWEEN 60 AND 86400),
      max_uses integer NOT NULL CHECK (max_uses BETWEEN 1 AND 100),
      otp_hash text NOT NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'used', 'dead')),
      attempts integer NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL
    );
    CREATE INDEX partner_consent_requests_expiry_idx ON partner_consent_requests (expires_at);

    -- A consent artefact: one partner, one beneficiary, one scope, at most 24 hours.
    CREATE TABLE partner_consents (
      consent_id text PRIMARY KEY,
      client_id text NOT NULL REFERENCES partner_clients (client_id),
      mobile_ref text NOT NULL,
      beneficiary_reference_id text NOT NULL,
      scope text NOT NULL,
      purpose text NOT NULL,
      max_uses integer NOT NULL CHECK (max_uses BETWEEN 1 AND 100),
      uses_left integer NOT NULL CHECK (uses_left >= 0),
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL CHECK (expires_at <= created_at + interval '24 hours'),
      revoked_at timestamptz
    );
    CREATE INDEX partner_consents_mobile_idx ON partner_consents (mobile_ref, created_at);

    -- Distinct persons a client asked about, as blind indexes (never in clear), with the
    -- last time each was asked: the enumeration detector counts rows inside its window.
    CREATE TABLE partner_subjects_seen (
      client_id text NOT NULL REFERENCES partner_clients (client_id),
      kind text NOT NULL CHECK (kind IN ('mobile', 'beneficiary')),
      subject_key text NOT NULL,
      seen_at timestamptz NOT NULL,
      PRIMARY KEY (client_id, kind, subject_key)
    );
    CREATE INDEX partner_subjects_seen_window_idx ON partner_subjects_seen (client_id, kind, seen_at);

    CREATE TABLE partner_alerts (
      alert_id bigserial PRIMARY KEY,
      client_id text NOT NULL REFERENCES partner_clients (client_id),
      kind text NOT NULL CHECK (kind IN ('enumeration')),
      details jsonb NOT NULL,
      raised_at timestamptz NOT NULL,
      resolved_at timestamptz,
      resolved_by text
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE partner_alerts;
    DROP TABLE partner_subjects_seen;
    DROP TABLE partner_consents;
    DROP TABLE partner_consent_requests;
    DROP TABLE partner_clients;
  `.execute(db);
}
