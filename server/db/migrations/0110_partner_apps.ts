import { type Kysely, sql } from 'kysely';

/**
 * Registered apps (CoWIN's "Application Service Providers"): a partner client of kind
 * 'app' authenticates with an API key (`x-api-key`) instead of a client secret. The key
 * is kept only as an HMAC; its id is the lookup and what the audit trail names. A revoked
 * key keeps its id (for the record) and loses its hash, so it can never match again.
 * A citizen OTP asked for through an app records the app.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE partner_clients
      ADD COLUMN kind text NOT NULL DEFAULT 'partner' CHECK (kind IN ('partner', 'app')),
      ADD COLUMN api_key_id text,
      ADD COLUMN api_key_hash text,
      ADD COLUMN api_key_created_at timestamptz,
      ADD COLUMN api_key_rotated_at timestamptz,
      ADD COLUMN api_key_revoked_at timestamptz,
      ALTER COLUMN secret_hash DROP NOT NULL;
    CREATE UNIQUE INDEX partner_clients_api_key_id_unique ON partner_clients (api_key_id);
    ALTER TABLE partner_clients ADD CONSTRAINT partner_clients_credentials_by_kind CHECK (
      (kind = 'partner' AND secret_hash IS NOT NULL AND api_key_id IS NULL AND api_key_hash IS NULL)
      OR (kind = 'app' AND secret_hash IS NULL AND api_key_id IS NOT NULL
          AND (api_key_hash IS NULL) = (api_key_revoked_at IS NOT NULL))
    );
    -- An OTP asked for through an app is confirmed only through that app (and a public one
    -- only publicly): the token it gives is bound to where the login started.
    ALTER TABLE otp_transactions ADD COLUMN app_client_id text;

    -- Apps used from phones may have no allow-list (allowed from anywhere); partners must.
    ALTER TABLE partner_clients ADD CONSTRAINT partner_clients_allow_list_by_kind CHECK (
      kind = 'app' OR jsonb_array_length(allow_list) > 0
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE otp_transactions DROP COLUMN app_client_id;
    DELETE FROM partner_clients WHERE kind = 'app';
    ALTER TABLE partner_clients
      DROP CONSTRAINT partner_clients_allow_list_by_kind,
      DROP CONSTRAINT partner_clients_credentials_by_kind,
      DROP COLUMN api_key_revoked_at,
      DROP COLUMN api_key_rotated_at,
      DROP COLUMN api_key_created_at,
      DROP COLUMN api_key_hash,
      DROP COLUMN api_key_id,
      DROP COLUMN kind,
      ALTER COLUMN secret_hash SET NOT NULL;
  `.execute(db);
}
