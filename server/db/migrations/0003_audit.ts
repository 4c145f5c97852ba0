import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE audit_log (
      id bigserial PRIMARY KEY,
      -- The writing transaction, so that a sequencer can order records only once every
      -- transaction that could still add an earlier id has finished.
      txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
      at timestamptz NOT NULL DEFAULT now(),
      actor_type text NOT NULL CHECK (actor_type IN ('citizen', 'staff', 'partner', 'system', 'anonymous')),
      actor_id text,
      actor_role text,
      jurisdiction text,
      action text NOT NULL,
      subject_type text,
      subject_id text,
      outcome text NOT NULL CHECK (outcome IN ('allowed', 'denied', 'failed')),
      reason text,
      request_id text,
      client_ip text,
      details jsonb NOT NULL DEFAULT '{}'
    );
    CREATE INDEX audit_log_subject_idx ON audit_log (subject_type, subject_id);

    -- Append-only, enforced by the database itself on both engines.
    CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
    END;
    $$;
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE audit_log; DROP FUNCTION audit_log_refuse_change()`.execute(db);
}
