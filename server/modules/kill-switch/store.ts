import type { Db } from '../../db/index.js';

export interface SwitchRow {
  target: string;
  reason: string;
  switched_off_at: Date;
  actor_type: 'staff' | 'system';
  actor_id: string | null;
}

/** The kill switch's SQL. */
export function createKillSwitchStore() {
  return {
    async version(db: Db): Promise<number> {
      const row = await db
        .selectFrom('kill_switch_version')
        .select('version')
        .where('id', '=', 1)
        .executeTakeFirstOrThrow();
      return row.version;
    },

    /** Every switched-off target, oldest first. */
    rows(db: Db): Promise<SwitchRow[]> {
      return db
        .selectFrom('kill_switches')
        .select(['target', 'reason', 'switched_off_at', 'actor_type', 'actor_id'])
        .orderBy('switched_off_at')
        .orderBy('target')
        .execute();
    },

    /** Switches a target off; null when it was off already (its first reason and time stand). */
    async insert(tx: Db, row: SwitchRow): Promise<SwitchRow | null> {
      const inserted = await tx
        .insertInto('kill_switches')
        .values(row)
        .onConflict((oc) => oc.column('target').doNothing())
        .returning(['target', 'reason', 'switched_off_at', 'actor_type', 'actor_id'])
        .executeTakeFirst();
      return inserted ?? null;
    },

    /** Switches a target back on; null when it was on. */
    async remove(tx: Db, target: string): Promise<SwitchRow | null> {
      const removed = await tx
        .deleteFrom('kill_switches')
        .where('target', '=', target)
        .returning(['target', 'reason', 'switched_off_at', 'actor_type', 'actor_id'])
        .executeTakeFirst();
      return removed ?? null;
    },

    /** Moves the version on; the row lock also puts concurrent changes one after another. */
    async bump(tx: Db): Promise<number> {
      const row = await tx
        .updateTable('kill_switch_version')
        .set((eb) => ({ version: eb('version', '+', 1) }))
        .where('id', '=', 1)
        .returning('version')
        .executeTakeFirstOrThrow();
      return row.version;
    },
  };
}

export type KillSwitchStore = ReturnType<typeof createKillSwitchStore>;
