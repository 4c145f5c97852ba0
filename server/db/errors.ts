import { Unavailable } from '../http/errors.js';

/** SQLSTATE query_canceled: the statement ran past `statement_timeout` (or an operator cancelled it). */
const QUERY_CANCELED = '57014';

/**
 * The server is not there: SQLSTATE class 08 (connection exceptions), admin_shutdown
 * (57P01, `pg_ctl stop -m fast`), crash_shutdown (57P02), cannot_connect_now (57P03, a
 * server starting or recovering), and the socket errors of a server that is down.
 */
const UNREACHABLE_CODES = new Set([
  '57P01',
  '57P02',
  '57P03',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
]);

/**
 * deadlock_detected (40P01) and serialization_failure (40001): the database rolled the
 * transaction back in favour of a concurrent one, so the same request again can succeed.
 */
const LOST_TO_A_CONCURRENT_CHANGE = new Set(['40P01', '40001']);

/** Whether the database rolled the transaction back for a concurrent one (run it again). */
export function lostToAConcurrentChange(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    LOST_TO_A_CONCURRENT_CHANGE.has((error as { code?: unknown }).code as string)
  );
}

/**
 * node-postgres says these in words only: a connection lost mid-query, a connection not
 * made within the connect timeout, and a full pool that freed no client within it.
 */
const UNREACHABLE_MESSAGES = [
  /^Connection terminated( unexpectedly| due to connection timeout)?$/,
  /^timeout exceeded when trying to connect$/,
];

function unreachable(error: object): boolean {
  const { code, message, errors } = error as {
    code?: unknown;
    message?: unknown;
    errors?: unknown;
  };
  if (typeof code === 'string' && (code.startsWith('08') || UNREACHABLE_CODES.has(code))) {
    return true;
  }
  if (typeof message === 'string' && UNREACHABLE_MESSAGES.some((m) => m.test(message))) {
    return true;
  }
  // Node's connect tries each address of a host name and reports them in one AggregateError.
  return (
    Array.isArray(errors) &&
    (errors as unknown[]).some((e) => typeof e === 'object' && e !== null && unreachable(e))
  );
}

/**
 * A statement the database stopped is the database being too busy, and a database that is
 * down or restarting is an outage; neither is a fault in the request. Both are answered 503
 * with Retry-After, and the change the request was part of rolled back (or never began).
 */
export function databaseRefusal(error: unknown): Unavailable | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  if (lostToAConcurrentChange(error)) {
    return new Unavailable(
      'Another change to the same records was made at the same moment; try again.',
      'database-conflict',
      1,
    );
  }
  if ((error as { code?: unknown }).code === QUERY_CANCELED) {
    return new Unavailable(
      'The database is too busy to answer in time; try again shortly.',
      'database-timeout',
      2,
    );
  }
  if (unreachable(error)) {
    return new Unavailable(
      'The database is not reachable just now; try again shortly.',
      'database-unavailable',
      5,
    );
  }
  return undefined;
}
