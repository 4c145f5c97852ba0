import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- The transactional outbox: an event is a row written in the transaction of the change
    -- it reports, so it exists exactly when the change does. A row lives until it is
    -- published to JetStream (or, without NATS, until every consumer has handled it), then
    -- it is deleted: the table never accumulates payloads. Payloads are field-encrypted.
    CREATE TABLE outbox_events (
      id uuid PRIMARY KEY,
      seq bigint GENERATED ALWAYS AS IDENTITY,
      topic text NOT NULL CHECK (length(topic) <= 100),
      key text CHECK (length(key) <= 200),
      payload_enc text NOT NULL,
      created_at timestamptz NOT NULL,
      -- Not handed out before this time (retry backoff).
      available_at timestamptz NOT NULL,
      -- A node that claimed the row holds it until then; after a crash, the lease runs out.
      claimed_until timestamptz,
      attempts integer NOT NULL DEFAULT 0,
      last_error text CHECK (length(last_error) <= 200)
    );
    CREATE INDEX outbox_events_due_idx ON outbox_events (available_at, seq);

    -- What each consumer has done with each event: written in the same transaction as the
    -- consumer's database effect, so a redelivered event finds its row and changes nothing.
    -- 'dead' rows are the dead letters: events a consumer gave up on.
    CREATE TABLE processed_events (
      consumer text NOT NULL CHECK (length(consumer) <= 100),
      event_id uuid NOT NULL,
      topic text NOT NULL,
      outcome text NOT NULL CHECK (outcome IN ('done', 'dead')),
      attempts integer NOT NULL,
      error text CHECK (length(error) <= 200),
      processed_at timestamptz NOT NULL,
      PRIMARY KEY (consumer, event_id)
    );
    CREATE INDEX processed_events_done_idx ON processed_events (processed_at)
      WHERE outcome = 'done';
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE processed_events; DROP TABLE outbox_events`.execute(db);
}
