import { type Kysely, type MigrationProvider, Migrator, sql } from 'kysely';

import { migrations } from './migrations/index.js';

const provider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};

/** Brings the schema up to date; returns the names of the migrations it applied. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the migrator works on any schema
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  // A migration may run longer than the app's statement_timeout (an index on a large table):
  // on its own connection it runs without one, and the connection gets its limit back after.
  const { error, results } = await db.connection().execute(async (connection) => {
    await sql`SET statement_timeout = 0`.execute(connection);
    try {
      return await new Migrator({
        db: connection,
        provider,
        migrationTableName: 'teeka_migrations',
        migrationLockTableName: 'teeka_migrations_lock',
      }).migrateToLatest();
    } finally {
      await sql`RESET statement_timeout`.execute(connection);
    }
  });
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(
      `Migration ${failed} failed: ${error instanceof Error ? error.message : 'unknown error'}`,
      { cause: error },
    );
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
