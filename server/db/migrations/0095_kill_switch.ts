import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- One row per switched-off target; switching it back on deletes the row (the audit
    -- trail keeps the history). Targets: all-partners, public, citizen, client:<id>, scope:<scope>.
    CREATE TABLE kill_switches (
      target text PRIMARY KEY CHECK (target ~ '^(all-partners|public|citizen|client:[A-Za-z0-9._-]{1,64}|scope:[a-z]+(-[a-z]+)*:[a-z]+(-[a-z]+)*)$'),
      reason text NOT NULL CHECK (char_length(reason) BETWEEN 3 AND 500),
      switched_off_at timestamptz NOT NULL,
      actor_type text NOT NULL CHECK (actor_type IN ('staff', 'system')),
      actor_id text
    );

    -- Bumped in the same transaction as every change: nodes compare it (from the database,
    -- or its copy in Redis) with what they hold and reload the rows when it moved.
    CREATE TABLE kill_switch_version (
      id smallint PRIMARY KEY CHECK (id = 1),
      version bigint NOT NULL CHECK (version >= 0)
    );
    INSERT INTO kill_switch_version (id, version) VALUES (1, 0);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE kill_switch_version;
    DROP TABLE kill_switches;
  `.execute(db);
}
