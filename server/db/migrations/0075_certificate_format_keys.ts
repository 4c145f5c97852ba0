import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- P-256 keys of the international formats, one series per format: 'shc' (SMART Health
    -- Cards), 'dcc' (EU DCC document signer) and 'csca' (the country signing CA that
    -- certifies the DCC signers). The highest generation of a format signs; every row stays
    -- published and keeps verifying. The private key is field-encrypted.
    CREATE TABLE certificate_format_keys (
      format text NOT NULL CHECK (format IN ('shc', 'dcc', 'csca')),
      generation integer NOT NULL CHECK (generation > 0),
      kid text NOT NULL,
      -- SubjectPublicKeyInfo DER, base64url.
      public_key text NOT NULL,
      private_key text NOT NULL,
      -- The X.509 certificate (DER, base64url) of a 'dcc' or 'csca' key; null for 'shc'.
      certificate text,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (format, generation),
      UNIQUE (format, kid)
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE certificate_format_keys;`.execute(db);
}
