import { Unavailable } from '../http/errors.js';

/** SQLSTATE query_canceled: the statement ran past `statement_timeout` (or an operator cancelled it). */
const QUERY_CANCELED = '57014';

/**
 * A statement the database stopped is the database being too busy, not a fault in the
 * request: it is answered 503 with Retry-After, and the change it was part of rolled back.
 */
export function databaseRefusal(error: unknown): Unavailable | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  if ((error as { code?: unknown }).code !== QUERY_CANCELED) return undefined;
  return new Unavailable(
    'The database is too busy to answer in time; try again shortly.',
    'database-timeout',
    2,
  );
}
