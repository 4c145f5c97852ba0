import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Rendered certificate PDFs, one per certificate: a correction issues a new certificate
    -- id, so it never meets its predecessor's PDF. Written by the certificate.issued
    -- consumer, or by the first download when the consumer has not run yet; the first
    -- write wins and later ones change nothing.
    CREATE TABLE certificate_pdfs (
      certificate_id text PRIMARY KEY REFERENCES certificates (certificate_id),
      pdf bytea NOT NULL,
      rendered_at timestamptz NOT NULL
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE certificate_pdfs`.execute(db);
}
