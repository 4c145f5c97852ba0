import type { Db } from '../../db/index.js';
import type { AppError } from '../../http/errors.js';
import { alreadyRecorded } from '../audit/denied.js';

export type Decision<T> = { value: T } | { error: AppError };

/**
 * Runs `decide` in one transaction and throws the refusal it returned only after commit, so
 * that a refusal's audit record (and, say, a spent OTP try) is kept while the 4xx goes out.
 */
export async function decided<T>(db: Db, decide: (tx: Db) => Promise<Decision<T>>): Promise<T> {
  const outcome = await db.transaction().execute(decide);
  if ('error' in outcome) throw alreadyRecorded(outcome.error);
  return outcome.value;
}
