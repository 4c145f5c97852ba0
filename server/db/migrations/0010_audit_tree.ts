import { type Kysely, sql } from 'kysely';

/**
 * The Merkle tree over audit_log (RFC 6962 / RFC 9162): the leaves in their fixed order,
 * the hashes of its complete subtrees (so that proofs at millions of records read a few
 * dozen rows), signed tree heads, and the sequencer's state. Every table is append-only
 * in the database itself, like audit_log.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- A record takes its transaction id before its record id, so that "every transaction
    -- running when the sequence stood at W has ended" implies "every id <= W is settled"
    -- (column defaults would draw the id first). The trigger overrides any id given.
    ALTER TABLE audit_log ALTER COLUMN id DROP DEFAULT;
    CREATE FUNCTION audit_log_number() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      NEW.txid := pg_current_xact_id();
      NEW.id := nextval('audit_log_id_seq');
      RETURN NEW;
    END;
    $$;
    CREATE TRIGGER audit_log_number BEFORE INSERT ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_number();

    -- The facility or partner name the actor acted for, as it was then (shown to citizens).
    ALTER TABLE audit_log ADD COLUMN actor_org text;

    CREATE TABLE audit_leaves (
      leaf_index bigint PRIMARY KEY CHECK (leaf_index >= 0),
      record_id bigint NOT NULL UNIQUE,
      leaf_hash bytea NOT NULL CHECK (length(leaf_hash) = 32)
    );
    -- Complete subtrees of 2^level leaves (level >= 1) starting at leaf node_index * 2^level.
    CREATE TABLE audit_tree_nodes (
      level smallint NOT NULL CHECK (level BETWEEN 1 AND 62),
      node_index bigint NOT NULL CHECK (node_index >= 0),
      hash bytea NOT NULL CHECK (length(hash) = 32),
      PRIMARY KEY (level, node_index)
    );
    CREATE TABLE audit_checkpoints (
      tree_size bigint PRIMARY KEY CHECK (tree_size >= 0),
      root_hash bytea NOT NULL CHECK (length(root_hash) = 32),
      issued_at text NOT NULL,
      key_id text NOT NULL,
      signature bytea NOT NULL
    );
    -- One row: the sequencer locks it (FOR UPDATE), so only one sequencer runs at a time on
    -- any number of nodes. pending_* is a watermark not yet settled: record ids up to
    -- pending_record_id are final once no transaction older than pending_xid runs.
    CREATE TABLE audit_sequencer (
      id smallint PRIMARY KEY CHECK (id = 1),
      tree_size bigint NOT NULL,
      last_record_id bigint NOT NULL,
      pending_record_id bigint NOT NULL,
      pending_xid xid8
    );
    INSERT INTO audit_sequencer VALUES (1, 0, 0, 0, NULL);

    CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
    END;
    $$;
    CREATE TRIGGER audit_leaves_no_update BEFORE UPDATE OR DELETE ON audit_leaves
      FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
    CREATE TRIGGER audit_leaves_no_truncate BEFORE TRUNCATE ON audit_leaves
      FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
    CREATE TRIGGER audit_tree_nodes_no_update BEFORE UPDATE OR DELETE ON audit_tree_nodes
      FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
    CREATE TRIGGER audit_tree_nodes_no_truncate BEFORE TRUNCATE ON audit_tree_nodes
      FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
    CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE OR DELETE ON audit_checkpoints
      FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
    CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
      FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
    CREATE TRIGGER audit_sequencer_no_delete BEFORE DELETE ON audit_sequencer
      FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
    CREATE TRIGGER audit_sequencer_no_truncate BEFORE TRUNCATE ON audit_sequencer
      FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE audit_sequencer, audit_checkpoints, audit_tree_nodes, audit_leaves;
    DROP FUNCTION audit_refuse_change();
    ALTER TABLE audit_log DROP COLUMN actor_org;
    DROP TRIGGER audit_log_number ON audit_log;
    DROP FUNCTION audit_log_number();
    ALTER TABLE audit_log ALTER COLUMN id SET DEFAULT nextval('audit_log_id_seq');
  `.execute(db);
}
