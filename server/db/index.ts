import { PGlite, types } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';

import { pglitePool } from './pglite-pool.js';
import type { Database } from './schema.js';

export type { Database } from './schema.js';

/** The database, or a transaction on it: stores accept either and never reach for another. */
export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;

export type Engine = 'pglite' | 'postgres';

export interface DatabaseHandle {
  db: Db;
  engine: Engine;
  close(): Promise<void>;
}

/*
 * Both engines return the same JavaScript values for the same SQL types, so no code path
 * depends on which engine runs: int8 (counts, sequences) as number, date as 'YYYY-MM-DD',
 * numeric as string, timestamptz as Date, json/jsonb parsed.
 */
const identity = (value: string) => value;

export function openPglite(pglite: PGlite): DatabaseHandle {
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: pglitePool(pglite) }) });
  return {
    db,
    engine: 'pglite',
    async close() {
      await db.destroy();
      await pglite.close();
    },
  };
}

export function pgliteOptions() {
  return { parsers: { [types.DATE]: identity, [types.INT8]: Number } };
}

const PG_PARSERS = new Map<number, (value: string) => unknown>([
  [1082, identity], // date
  [20, Number], // int8
]);

export interface PostgresLimits {
  /** `statement_timeout` of every connection: a longer statement is cancelled (SQLSTATE 57014). */
  statementTimeoutMs?: number;
  /** How long to wait for a new connection before the query fails. */
  connectTimeoutMs?: number;
}

export function openPostgres(
  connectionString: string,
  poolSize = 10,
  { statementTimeoutMs = 0, connectTimeoutMs = 0 }: PostgresLimits = {},
): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString,
    max: poolSize,
    // 0 leaves the server's own setting (none by default) in place.
    ...(statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs } : {}),
    connectionTimeoutMillis: connectTimeoutMs,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        PG_PARSERS.get(oid) ??
        (pg.types.getTypeParser as (oid: number, format?: string) => unknown)(
          oid,
          format,
        )) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client that loses its server (restart, failover) must not crash the process.
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    engine: 'postgres',
    async close() {
      await db.destroy();
    },
  };
}
