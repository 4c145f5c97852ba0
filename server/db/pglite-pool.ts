import type { PGlite } from '@electric-sql/pglite';
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';

/**
 * Presents one PGlite instance as the pool Kysely's PostgresDialect expects.
 *
 * PGlite has a single connection, so a "checkout" holds a mutex until it is released: a
 * transaction owns the database until it commits or rolls back, and everything else waits
 * its turn. No library does this for PGlite 0.5 (kysely-pglite-dialect stops at 0.4), and
 * the adapter is small enough to own.
 */
export function pglitePool(pglite: PGlite): PostgresPool {
  let tail: Promise<void> = Promise.resolve();

  const client = (release: () => void): PostgresPoolClient => ({
    // Cursors (streaming) are not used by Teeka; only the (sql, parameters) form is needed.
    query: (async <R>(
      sql: string,
      parameters: readonly unknown[],
    ): Promise<PostgresQueryResult<R>> => {
      if (parameters.length === 0) {
        // The simple protocol allows several statements in one string (migrations).
        const results = await pglite.exec(sql);
        const last = results.at(-1);
        return {
          command: (last?.command ?? 'SELECT') as PostgresQueryResult<R>['command'],
          rowCount: last?.rowCount ?? last?.affectedRows ?? 0,
          rows: (last?.rows ?? []) as R[],
        };
      }
      const result = await pglite.query<R>(sql, parameters as unknown[]);
      return {
        command: (result.command ?? 'SELECT') as PostgresQueryResult<R>['command'],
        rowCount: result.rowCount ?? result.affectedRows ?? 0,
        rows: result.rows,
      };
    }) as PostgresPoolClient['query'],
    release,
  });

  return {
    async connect() {
      let release!: () => void;
      const turn = new Promise<void>((resolve) => (release = resolve));
      const previous = tail;
      tail = previous.then(() => turn);
      await previous;
      return client(release);
    },
    async end() {
      await tail;
    },
  };
}
