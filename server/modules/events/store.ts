import { type Selectable, sql } from 'kysely';

import type { Db } from '../../db/index.js';
import type { EventTables } from './tables.js';

export type OutboxRow = Selectable<EventTables['outbox_events']>;

export function createEventStore() {
  /**
   * Leases due rows to this node until `until`. FOR UPDATE SKIP LOCKED makes concurrent
   * claimers on other connections take disjoint rows instead of waiting for each other;
   * the lease (not a held transaction) keeps them apart afterwards, so nothing is locked
   * while events are published or consumed, and a node that dies lets its lease run out.
   */
  async function claim(
    db: Db,
    {
      now,
      until,
      limit,
      id,
      writtenBefore,
    }: { now: Date; until: Date; limit: number; id?: string; writtenBefore?: Date },
  ): Promise<OutboxRow[]> {
    const due = db
      .selectFrom('outbox_events')
      .select('id')
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', now)]))
      .$if(id === undefined, (q) => q.where('available_at', '<=', now))
      .$if(id !== undefined, (q) => q.where('id', '=', id ?? ''))
      .$if(writtenBefore !== undefined, (q) => q.where('created_at', '<=', writtenBefore ?? now))
      .orderBy('available_at')
      .orderBy('seq')
      .limit(limit)
      .forUpdate()
      .skipLocked();
    const rows = await db
      .updateTable('outbox_events')
      .set((eb) => ({ claimed_until: until, attempts: eb('attempts', '+', 1) }))
      .where('id', 'in', due)
      .returningAll()
      .execute();
    return rows.sort((a, b) => a.seq - b.seq);
  }

  return {
    async insert(
      tx: Db,
      row: Pick<OutboxRow, 'id' | 'topic' | 'key' | 'payload_enc' | 'created_at'>,
    ) {
      await tx
        .insertInto('outbox_events')
        .values({ ...row, available_at: row.created_at })
        .execute();
    },
    claim,
    async remove(db: Db, ids: readonly string[]) {
      if (ids.length === 0) return;
      await db.deleteFrom('outbox_events').where('id', 'in', ids).execute();
    },
    /** Hands rows back for a later try: the lease ends, the next try waits until `availableAt`. */
    async retryLater(db: Db, id: string, availableAt: Date, error: string) {
      await db
        .updateTable('outbox_events')
        .set({ claimed_until: null, available_at: availableAt, last_error: error })
        .where('id', '=', id)
        .execute();
    },
    /** Outbox lag: how many rows wait, and when the oldest was written. */
    async lag(db: Db) {
      const row = await db
        .selectFrom('outbox_events')
        .select((eb) => [
          eb.fn.countAll<number>().as('pending'),
          eb.fn.min<Date | null>('created_at').as('oldest'),
        ])
        .executeTakeFirstOrThrow();
      return { pending: row.pending, oldest: row.oldest };
    },
    async outcome(db: Db, consumer: string, eventId: string) {
      const row = await db
        .selectFrom('processed_events')
        .select('outcome')
        .where('consumer', '=', consumer)
        .where('event_id', '=', eventId)
        .executeTakeFirst();
      return row?.outcome;
    },
    /** Records what a consumer did; false if a row was already there (another delivery won). */
    async record(db: Db, row: Selectable<EventTables['processed_events']>): Promise<boolean> {
      const inserted = await db
        .insertInto('processed_events')
        .values(row)
        .onConflict((oc) => oc.columns(['consumer', 'event_id']).doNothing())
        .returning('event_id')
        .executeTakeFirst();
      return inserted !== undefined;
    },
    /** Forgets handled events older than `before`, a batch at a time; dead letters stay. */
    async forgetProcessedBefore(db: Db, before: Date, limit = 1000) {
      await sql`
        DELETE FROM processed_events WHERE (consumer, event_id) IN (
          SELECT consumer, event_id FROM processed_events
          WHERE outcome = 'done' AND processed_at < ${before} LIMIT ${limit})
      `.execute(db);
    },
  };
}

export type EventStore = ReturnType<typeof createEventStore>;
